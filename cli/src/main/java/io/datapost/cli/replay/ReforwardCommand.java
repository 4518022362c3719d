package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.datapost.forwarder.kafka.ReforwardHeader;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code datapost replay reforward}: send the leads received in a time range whose current outcome is ERROR or
 * NO_RESPONSE to the advertiser again: the original {@code LeadSubmitted} is written to the leads topic again
 * (same submission id, so the same idempotency key) with the header {@code datapost-reforward-attempt} = the next
 * attempt number. The forwarder calls the advertiser at that attempt; the validator lets the new final answer
 * supersede the old outcome (new revision, conversion and payout only where the decision changed).
 * {@code --dry-run} prints what would be sent; Ctrl-C stops at a checkpoint, {@code --resume ID} goes on.
 */
@Command(name = "reforward", mixinStandardHelpOptions = true,
        description = "Send the leads of a time range (lead received time) whose current outcome is ERROR or "
                + "NO_RESPONSE to the advertiser again, at their next attempt number; the new answer supersedes "
                + "the old outcome.")
public final class ReforwardCommand extends ReplaySubcommand {

    static final String KIND = "reforward";
    private static final Set<Verdict> ALLOWED = EnumSet.of(Verdict.ERROR, Verdict.NO_RESPONSE);

    @Option(names = "--outcome", split = ",", paramLabel = "VERDICT",
            description = "Current outcomes to send again: ERROR, NO_RESPONSE (default: ERROR,NO_RESPONSE).")
    List<Verdict> outcomes;

    @Override
    String kind() {
        return KIND;
    }

    @Override
    boolean kindOptionsGiven() {
        return outcomes != null;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Verdict> chosen = outcomes == null ? List.of(Verdict.ERROR, Verdict.NO_RESPONSE) : outcomes;
        if (chosen.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--outcome names no outcome: give ERROR, NO_RESPONSE "
                    + "or both");
        }
        for (Verdict verdict : chosen) {
            if (!ALLOWED.contains(verdict)) {
                throw new ParameterException(spec.commandLine(), "--outcome " + verdict
                        + ": only ERROR and NO_RESPONSE leads are sent again (a decided lead is reclassified)");
            }
        }
        ReplayLog log = new ReplayLog(dataDir);
        ReplayRecord record = record(log);
        if (resume == null && (eventType != null || partner != null)) {
            ReplayKafka config = new ReplayKafka(record.bootstrapServers, timeout(), stop);
            requireKnownFilters(config.readTable(Topics.EVENT_TYPES).keySet(),
                    config.readTable(Topics.PARTNERS).keySet(), "the config in force (" + Topics.EVENT_TYPES.name()
                            + ", " + Topics.PARTNERS.name() + ")");
        }
        if (record.outcomes.isEmpty()) {
            chosen.forEach(v -> record.outcomes.add(v.name()));
        }
        out.printf("replay %s: %s leads received %s .. %s with current outcome %s%s%s%n", record.id, KIND,
                record.from, record.to, String.join(" or ", record.outcomes),
                record.eventType == null ? "" : ", event type " + record.eventType,
                record.partner == null ? "" : ", partner " + record.partner);
        out.flush();
        return runStoppable(record, () -> {
            new ReforwardRun(record.bootstrapServers, log, err, stop, timeout()).run(record);
            printSummary(out, record);
        });
    }

    static void printSummary(PrintWriter out, ReplayRecord r) {
        out.printf("replay %s %s: %s%s%n", r.id, r.kind, r.status, r.dryRun ? " (dry run: nothing written)" : "");
        out.printf("%,d lead(s) with current outcome %s: %,d to send again, %,d pending (an earlier re-forward has "
                + "no final answer yet), %,d no longer on %s (retention)%n", r.answers,
                String.join(" or ", r.outcomes), r.answers - r.pending - r.missing, r.pending, r.missing,
                Topics.LEADS.name());
        if (!r.selection.isEmpty()) {
            out.println("to send again, by event type / partner / current outcome:");
            for (Map.Entry<String, Long> e : r.selection.entrySet()) {
                out.printf("  %-36s %,d%n", e.getKey(), e.getValue());
            }
        }
        out.printf("lead records read: %,d, %s: %,d%n", r.read, r.dryRun ? "would be sent" : "sent", r.changed);
        out.printf(r.dryRun ? "leads written: none%n"
                : "leads written: %,d to " + Topics.LEADS.name() + " with header " + ReforwardHeader.NAME + "%n",
                r.commands);
        out.flush();
    }
}
