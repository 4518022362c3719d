package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code datapost replay reclassify}: decide the stored final answers of a time range again with the current
 * event type rules; print what changes (old -> new verdict, payout delta per partner); unless {@code --dry-run},
 * ask the validator to correct exactly those submissions ({@code ReclassifyRequested}). Ctrl-C stops at a
 * checkpoint; {@code --resume ID} continues from it.
 */
@Command(name = "reclassify", mixinStandardHelpOptions = true,
        description = "Decide the stored answers of a time range again with the current event type rules; "
                + "without --dry-run, the validator corrects the submissions whose decision changes.")
public final class ReclassifyCommand extends ReplaySubcommand {

    static final String KIND = "reclassify";

    @Option(names = "--config", paramLabel = "DIR",
            description = "With --dry-run: preview the rules in this config dir instead of those in force "
                    + "(apply them with `datapost config apply` before a real replay).")
    Path configDir;

    @Override
    String kind() {
        return KIND;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ReplayLog log = new ReplayLog(dataDir);
        ReplayRecord record = record(log);
        if (configDir != null && !record.dryRun) {
            throw new ParameterException(spec.commandLine(), "--config previews rules: it needs --dry-run "
                    + "(the validator decides with the rules in force; apply them first with `datapost config apply`)");
        }
        Duration timeout = timeout();
        Rules rules = configDir != null ? Rules.of(configDir) : Rules.inForce(record.bootstrapServers, timeout);
        requireKnownFilters(rules.eventTypes().keySet(), rules.partners().keySet(), "the rules " + rules.source());
        out.printf("replay %s: %s answers stored %s .. %s%s%s, rules: %s%n", record.id, KIND, record.from, record.to,
                record.eventType == null ? "" : ", event type " + record.eventType,
                record.partner == null ? "" : ", partner " + record.partner, rules.source());
        out.flush();
        return runStoppable(record, () -> {
            new ReclassifyRun(record.bootstrapServers, rules.eventTypes()::get, rules.partners()::get, log, err,
                    stop, timeout).run(record);
            ReplayCommand.printSummary(out, record);
        });
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
            ReplayKafka kafka = new ReplayKafka(bootstrapServers, timeout, new java.util.concurrent.atomic.AtomicBoolean());
            return new Rules(kafka.readTable(Topics.EVENT_TYPES), kafka.readTable(Topics.PARTNERS),
                    "in force (" + Topics.EVENT_TYPES.name() + ", " + Topics.PARTNERS.name() + ")");
        }
    }
}
