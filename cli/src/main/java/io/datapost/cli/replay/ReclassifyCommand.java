package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.datapost.cli.ExitCodes;
import io.datapost.cli.ShutdownHooks;
import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code datapost replay reclassify}: decide the stored final answers of a time range again with the current
 * event type rules; print what changes (old -> new verdict, payout delta per partner); unless {@code --dry-run},
 * ask the validator to correct exactly those submissions ({@code ReclassifyRequested}). Ctrl-C stops at a
 * checkpoint; {@code --resume ID} continues from it.
 */
@Command(name = "reclassify", mixinStandardHelpOptions = true,
        description = "Decide the stored answers of a time range again with the current event type rules; "
                + "without --dry-run, the validator corrects the submissions whose decision changes.")
public final class ReclassifyCommand implements Callable<Integer> {

    static final String KIND = "reclassify";

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

    @Option(names = "--config", paramLabel = "DIR",
            description = "With --dry-run: preview the rules in this config dir instead of those in force "
                    + "(apply them with `datapost config apply` before a real replay).")
    Path configDir;

    @Option(names = "--data-dir", defaultValue = ReplayCommand.DATA_DIR_DEFAULT,
            description = "Where replays are recorded (default: $DATAPOST_DATA_DIR, else .datapost).")
    Path dataDir;

    @Option(names = "--resume", paramLabel = "ID", description = "Continue a stopped replay from its checkpoint.")
    String resume;

    @Option(names = "--timeout", defaultValue = "60",
            description = "Seconds allowed to reach the broker / read config (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Set by Ctrl-C (or a test): the replay stops at its next checkpoint. */
    final AtomicBoolean stop = new AtomicBoolean();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ReplayLog log = new ReplayLog(dataDir);
        ReplayRecord record = resume != null ? resumed(log) : fresh();
        if (configDir != null && !record.dryRun) {
            throw new ParameterException(spec.commandLine(), "--config previews rules: it needs --dry-run "
                    + "(the validator decides with the rules in force; apply them first with `datapost config apply`)");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Rules rules = configDir != null ? Rules.of(configDir) : Rules.inForce(record.bootstrapServers, timeout);
        out.printf("replay %s: %s answers stored %s .. %s%s%s, rules: %s%n", record.id, KIND, record.from, record.to,
                record.eventType == null ? "" : ", event type " + record.eventType,
                record.partner == null ? "" : ", partner " + record.partner, rules.source());
        out.flush();

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true); // Ctrl-C: stop at the next record, flush, save the checkpoint
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "datapost-replay-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            new ReclassifyRun(record.bootstrapServers, rules.eventTypes()::get, rules.partners()::get, log, err,
                    stop, timeout).run(record);
            ReplayCommand.printSummary(out, record);
            if (ReplayRecord.STOPPED.equals(record.status)) {
                out.printf("stopped; continue with: datapost replay reclassify --resume %s%n", record.id);
                out.flush();
                return ExitCodes.UNAVAILABLE;
            }
        } finally {
            finished.countDown(); // after the summary: on Ctrl-C the JVM ends when the hook returns
            ShutdownHooks.remove(hook);
        }
        return ExitCodes.OK;
    }

    private ReplayRecord resumed(ReplayLog log) {
        ReplayRecord record = log.find(resume).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "No replay " + resume + " recorded in " + log.dir()));
        if (!KIND.equals(record.kind)) {
            throw new ParameterException(spec.commandLine(), "Replay " + resume + " is a " + record.kind);
        }
        if (ReplayRecord.DONE.equals(record.status)) {
            throw new ParameterException(spec.commandLine(), "Replay " + resume + " is done already");
        }
        if (from != null || to != null || eventType != null || partner != null) {
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
        record.id = KIND + "-" + now.toString().replaceAll("[^0-9]", "").substring(0, 17);
        record.kind = KIND;
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

    static String user() {
        String user = System.getenv("USER");
        return user == null || user.isBlank() ? System.getProperty("user.name", "unknown") : user;
    }

    /** The rules a replay decides with: fixed for its whole run. */
    record Rules(Map<String, EventType> eventTypes, Map<String, Partner> partners, String source) {

        static Rules of(Path configDir) {
            ConfigSet set = new ConfigLoader(null).load(configDir);
            if (!set.valid()) {
                throw new IllegalArgumentException("Config in " + configDir + " has problems: "
                        + set.problems().get(0) + " (`datapost config validate` lists them all)");
            }
            Map<String, EventType> eventTypes = new HashMap<>();
            set.eventTypes().forEach(e -> eventTypes.put(e.getId(), e));
            Map<String, Partner> partners = new HashMap<>();
            set.partners().forEach(p -> partners.put(p.getId(), p));
            return new Rules(eventTypes, partners, configDir + " (preview)");
        }

        static Rules inForce(String bootstrapServers, Duration timeout) {
            return new Rules(ReclassifyRun.readTable(bootstrapServers, Topics.EVENT_TYPES, timeout),
                    ReclassifyRun.readTable(bootstrapServers, Topics.PARTNERS, timeout),
                    "in force (" + Topics.EVENT_TYPES.name() + ")");
        }
    }
}
