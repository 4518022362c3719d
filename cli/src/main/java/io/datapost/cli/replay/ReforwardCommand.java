package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import io.datapost.cli.ExitCodes;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code datapost replay reforward --dry-run}: which leads of a time range (lead received time) currently end in
 * the given outcomes (ERROR, NO_RESPONSE), per partner, and whether each lead is still stored on the leads topic
 * (retention) so it could be sent again. Sending them again needs the forwarder to honour a re-delivery with the
 * next attempt number; until it does, only the dry run is offered (the replay is recorded either way).
 */
@Command(name = "reforward", mixinStandardHelpOptions = true,
        description = "Preview sending the leads of a time range that ended in ERROR or NO_RESPONSE to the "
                + "advertiser again (dry run only for now: the forwarder cannot yet take a re-delivery).")
public final class ReforwardCommand implements Callable<Integer> {

    static final String KIND = "reforward";
    private static final Set<Verdict> ALLOWED = EnumSet.of(Verdict.ERROR, Verdict.NO_RESPONSE);

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "TIME",
            description = "Leads received from (inclusive): ISO instant or date (UTC).")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Leads received before (exclusive) (default: now).")
    String to;

    @Option(names = "--outcome", split = ",", defaultValue = "ERROR,NO_RESPONSE", paramLabel = "VERDICT",
            description = "Current outcomes to send again: ERROR, NO_RESPONSE (default: ${DEFAULT-VALUE}).")
    List<Verdict> outcomes;

    @Option(names = "--event-type", paramLabel = "ID", description = "Only leads of this event type.")
    String eventType;

    @Option(names = "--partner", paramLabel = "ID", description = "Only leads of this partner.")
    String partner;

    @Option(names = "--dry-run", description = "Print what would be sent again; write nothing.")
    boolean dryRun;

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--data-dir", defaultValue = ReplayCommand.DATA_DIR_DEFAULT,
            description = "Where replays are recorded (default: $DATAPOST_DATA_DIR, else .datapost).")
    Path dataDir;

    @Option(names = "--timeout", defaultValue = "60",
            description = "Seconds allowed to read each topic (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (Verdict verdict : outcomes) {
            if (!ALLOWED.contains(verdict)) {
                throw new ParameterException(spec.commandLine(), "--outcome " + verdict
                        + ": only ERROR and NO_RESPONSE leads are sent again (a decided lead is reclassified)");
            }
        }
        if (!dryRun) {
            throw new ParameterException(spec.commandLine(), "reforward needs --dry-run for now: the forwarder "
                    + "skips a lead whose final response exists and numbers a re-delivered lead from attempt 1, so "
                    + "the new answer would not supersede the old one");
        }
        Instant start = parse(from, "--from");
        Instant end = to == null ? Instant.now() : parse(to, "--to");
        Duration timeout = Duration.ofSeconds(timeoutSeconds);

        ReplayRecord record = new ReplayRecord();
        Instant now = Instant.now();
        record.id = KIND + "-" + now.toString().replaceAll("[^0-9]", "").substring(0, 17);
        record.kind = KIND;
        record.user = ReclassifyCommand.user();
        record.startedAt = now.toString();
        record.dryRun = true;
        record.from = start.toString();
        record.to = end.toString();
        record.eventType = eventType;
        record.partner = partner;
        record.bootstrapServers = bootstrapServers;
        record.args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());

        ReclassifyRun reader = new ReclassifyRun(bootstrapServers, id -> null, id -> null, null, null,
                new AtomicBoolean(), timeout);
        Map<String, LeadOutcome> current = reader.readOutcomes();
        Set<String> selected = new HashSet<>();
        Map<String, Long> byPartner = new TreeMap<>();
        for (LeadOutcome outcome : current.values()) {
            Instant received = outcome.getReceivedAt();
            if (outcomes.contains(outcome.getVerdict()) && !received.isBefore(start) && received.isBefore(end)
                    && (eventType == null || eventType.equals(outcome.getEventTypeId()))
                    && (partner == null || partner.equals(outcome.getPartnerId()))) {
                selected.add(outcome.getSubmissionId());
                byPartner.merge(outcome.getPartnerId() + " " + outcome.getVerdict(), 1L, Long::sum);
                record.transitions.merge(outcome.getVerdict() + " -> (sent again)", 1L, Long::sum);
            }
        }
        Set<String> stored = new HashSet<>();
        reader.readAll(Topics.LEADS.name(), raw -> {
            if (raw.key() != null) {
                String id = Topics.LEADS.keyDeserializer().deserialize(raw.topic(), raw.key());
                if (selected.contains(id)) {
                    stored.add(id);
                }
            }
        });
        record.answers = selected.size();
        record.changed = stored.size();
        record.skipped = selected.size() - stored.size();
        record.status = ReplayRecord.DONE;
        record.updatedAt = Instant.now().toString();
        new ReplayLog(dataDir).save(record);

        out.printf("replay %s: %s (dry run: nothing written), leads received %s .. %s, outcomes %s%n", record.id,
                KIND, record.from, record.to, outcomes);
        out.printf("%,d lead(s) would be sent again; %,d more are no longer on %s (retention) and cannot be%n",
                stored.size(), record.skipped, Topics.LEADS.name());
        byPartner.forEach((k, n) -> out.printf("  %-36s %,d%n", k, n));
        out.flush();
        return ExitCodes.OK;
    }

    private Instant parse(String text, String option) {
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
}
