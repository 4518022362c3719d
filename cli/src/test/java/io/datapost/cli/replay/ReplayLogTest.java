package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datapost.cli.Datapost;
import picocli.CommandLine;

class ReplayLogTest {

    @TempDir
    Path dataDir;

    @Test
    void aSavedReplayReadsBackWithItsCountsAndCheckpoint() {
        // Given a stopped replay with counts and positions
        ReplayLog log = new ReplayLog(dataDir);
        ReplayRecord record = record("reclassify-1", "2026-12-03T10:00:00Z");
        record.status = ReplayRecord.STOPPED;
        record.changed = 7;
        record.transitions.put("ACCEPTED -> REJECTED", 7L);
        record.payoutDelta.put("demo-partner", new java.util.TreeMap<>(java.util.Map.of("USD", "-28.0000")));
        record.positions.put(3, 42L);
        record.ends.put(3, 100L);

        // When it is saved and read again
        log.save(record);
        ReplayRecord read = log.find("reclassify-1").orElseThrow();

        // Then everything is there
        assertThat(read.status).isEqualTo(ReplayRecord.STOPPED);
        assertThat(read.changed).isEqualTo(7);
        assertThat(read.transitions).containsEntry("ACCEPTED -> REJECTED", 7L);
        assertThat(read.payoutDelta.get("demo-partner")).containsEntry("USD", "-28.0000");
        assertThat(read.positions).containsEntry(3, 42L);
        assertThat(read.ends).containsEntry(3, 100L);
        assertThat(log.find("../etc/passwd")).isEmpty();
    }

    @Test
    void replayListShowsTheHistoryOldestFirst() {
        // Given two recorded replays, the newer saved first
        ReplayLog log = new ReplayLog(dataDir);
        log.save(record("reclassify-new", "2026-12-03T12:00:00Z"));
        ReplayRecord old = record("reclassify-old", "2026-12-03T09:00:00Z");
        old.dryRun = true;
        log.save(old);

        // When `datapost replay list` runs
        StringWriter out = new StringWriter();
        CommandLine cli = Datapost.commandLine();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("replay", "list", "--data-dir", dataDir.toString());

        // Then both are listed, oldest first, with who ran them, the dry run marked
        assertThat(exit).isZero();
        String text = out.toString();
        assertThat(text).contains("reclassify-old", "reclassify-new", "alice", "reclassify*");
        assertThat(text.indexOf("reclassify-old")).isLessThan(text.indexOf("reclassify-new"));
    }

    private static ReplayRecord record(String id, String startedAt) {
        ReplayRecord record = new ReplayRecord();
        record.id = id;
        record.kind = "reclassify";
        record.status = ReplayRecord.DONE;
        record.user = "alice";
        record.startedAt = startedAt;
        record.args.add("--from");
        record.args.add("2026-12-01");
        return record;
    }
}
