package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.datapost.cli.ExitCodes;
import io.datapost.cli.ShutdownHooks;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every replay command shares: the range and filter options, the replay record (fresh, or the stopped one
 * {@code --resume ID} names), and the Ctrl-C handling (stop at the next record, save the checkpoint, print the
 * summary, then let the JVM end).
 */
abstract class ReplaySubcommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--from", paramLabel = "TIME",
            description = "Start of the range (inclusive): ISO instant (2026-12-03T18:00:00Z) or date (UTC).")
    String from;

    @Option(names = "--to", paramLabel = "TIME",
            description = "End of the range (exclusive), same forms, or 'now' (default: now).")
    String to;

    @Option(names = "--event-type", paramLabel = "ID", description = "Only leads of this event type.")
    String eventType;

    @Option(names = "--partner", paramLabel = "ID", description = "Only leads of this partner.")
    String partner;

    @Option(names = "--dry-run", description = "Print what would change; write nothing (besides the record).")
    boolean dryRun;

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--data-dir", defaultValue = ReplayCommand.DATA_DIR_DEFAULT,
            description = "Where replays are recorded (default: $DATAPOST_DATA_DIR, else .datapost).")
    Path dataDir;

    @Option(names = "--resume", paramLabel = "ID", description = "Continue a stopped replay from its checkpoint.")
    String resume;

    @Option(names = "--timeout", defaultValue = "60",
            description = "Seconds allowed to reach the broker / read each topic (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Set by Ctrl-C (or a test): the replay stops at its next checkpoint. */
    final AtomicBoolean stop = new AtomicBoolean();

    /** The kind recorded and accepted by {@code --resume}: reclassify, reforward. */
    abstract String kind();

    /** Options of this kind that a resumed replay must not be given again (they are recorded). */
    boolean kindOptionsGiven() {
        return false;
    }

    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** The replay to run: the one {@code --resume} names, else a new one from the options. */
    ReplayRecord record(ReplayLog log) {
        if (timeoutSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--timeout must be a positive number of seconds");
        }
        return resume != null ? resumed(log) : fresh();
    }

    private ReplayRecord resumed(ReplayLog log) {
        ReplayRecord record = log.find(resume).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "No replay " + resume + " recorded in " + log.dir()));
        if (!kind().equals(record.kind)) {
            throw new ParameterException(spec.commandLine(), "Replay " + resume + " is a " + record.kind);
        }
        if (ReplayRecord.DONE.equals(record.status)) {
            throw new ParameterException(spec.commandLine(), "Replay " + resume + " is done already");
        }
        if (from != null || to != null || eventType != null || partner != null || kindOptionsGiven()) {
            throw new ParameterException(spec.commandLine(), "--resume continues with the replay's own arguments: "
                    + String.join(" ", record.args));
        }
        record.args.add("(resumed by " + user() + " at " + Instant.now() + ")");
        return record;
    }

    private ReplayRecord fresh() {
        if (from == null) {
            throw new ParameterException(spec.commandLine(), "--from is required (or --resume ID)");
        }
        Instant start = parseTime(from, "--from");
        Instant end = to == null ? Instant.now() : parseTime(to, "--to");
        if (!start.isBefore(end)) {
            throw new ParameterException(spec.commandLine(), "--from must be before --to");
        }
        ReplayRecord record = new ReplayRecord();
        Instant now = Instant.now();
        record.id = kind() + "-" + now.toString().replaceAll("[^0-9]", "").substring(0, 17);
        record.kind = kind();
        record.user = user();
        record.startedAt = now.toString();
        record.dryRun = dryRun;
        record.from = start.toString();
        record.to = end.toString();
        record.eventType = eventType;
        record.partner = partner;
        record.bootstrapServers = bootstrapServers;
        record.args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        return record;
    }

    /**
     * A filter naming no configured event type or partner would select nothing and look like a replay that found
     * nothing to do: it is an error (exit 2) naming what is configured. Checked for new replays only (a resumed one
     * keeps its recorded filters).
     */
    void requireKnownFilters(Set<String> eventTypeIds, Set<String> partnerIds, String where) {
        if (resume != null) {
            return;
        }
        if (eventType != null && !eventTypeIds.contains(eventType)) {
            throw new ParameterException(spec.commandLine(), "--event-type " + eventType + ": no such event type in "
                    + where + " (configured: " + String.join(", ", new TreeSet<>(eventTypeIds)) + ")");
        }
        if (partner != null && !partnerIds.contains(partner)) {
            throw new ParameterException(spec.commandLine(), "--partner " + partner + ": no such partner in "
                    + where + " (configured: " + String.join(", ", new TreeSet<>(partnerIds)) + ")");
        }
    }

    private Instant parseTime(String text, String option) {
        if ("now".equalsIgnoreCase(text)) {
            return Instant.now();
        }
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(),
                    option + " " + text + ": expected an ISO instant (2026-12-03T18:00:00Z), a date or now");
        }
    }

    /**
     * Runs the replay with Ctrl-C handled: the hook sets {@link #stop} and waits (up to 30 s) until the replay
     * saved its checkpoint and printed its summary. A stopped replay exits {@link ExitCodes#UNAVAILABLE} after
     * saying how to resume it.
     */
    int runStoppable(ReplayRecord record, Runnable replay) {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "datapost-replay-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            replay.run();
            if (ReplayRecord.STOPPED.equals(record.status)) {
                out.printf("stopped; continue with: datapost replay %s --resume %s%n", kind(), record.id);
                out.flush();
                return ExitCodes.UNAVAILABLE;
            }
        } finally {
            finished.countDown(); // after the summary: on Ctrl-C the JVM ends when the hook returns
            ShutdownHooks.remove(hook);
        }
        return ExitCodes.OK;
    }

    static String user() {
        String user = System.getenv("USER");
        return user == null || user.isBlank() ? System.getProperty("user.name", "unknown") : user;
    }
}
