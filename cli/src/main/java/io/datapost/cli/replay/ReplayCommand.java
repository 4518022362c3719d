package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.datapost.cli.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code datapost replay}: reprocess stored leads after a fix or a rule change, and the history of replays. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Reprocess stored leads: decide stored answers again with the current rules, or send "
                + "ERROR / NO_RESPONSE leads to the advertiser again (previewable, resumable, recorded).",
        subcommands = {ReclassifyCommand.class, ReforwardCommand.class, ReplayCommand.ListCommand.class, CommandLine.HelpCommand.class})
public final class ReplayCommand {

    /** Where replays are recorded: {@code <data-dir>/replays/<id>.json}. */
    static final String DATA_DIR_DEFAULT = "${env:DATAPOST_DATA_DIR:-.datapost}";

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show the replays recorded, oldest first.")
    static final class ListCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", defaultValue = DATA_DIR_DEFAULT,
                description = "Where replays are recorded (default: $DATAPOST_DATA_DIR, else .datapost).")
        Path dataDir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<ReplayRecord> records = new ReplayLog(dataDir).list();
            if (records.isEmpty()) {
                out.println("No replays recorded in " + new ReplayLog(dataDir).dir());
            } else {
                out.printf("%-34s %-20s %-10s %-11s %-8s %9s %9s %9s  %s%n", "ID", "STARTED", "USER", "KIND",
                        "STATUS", "ANSWERS", "CHANGED", "COMMANDS", "ARGS");
                for (ReplayRecord r : records) {
                    out.printf("%-34s %-20s %-10s %-11s %-8s %9d %9d %9d  %s%n", r.id, shortTime(r.startedAt), r.user,
                            r.kind + (r.dryRun ? "*" : ""), r.status, r.answers, r.changed, r.commands,
                            String.join(" ", r.args));
                }
                out.println("(* dry run: nothing written)");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    private static String shortTime(String instant) {
        return instant == null || instant.length() < 19 ? String.valueOf(instant) : instant.substring(0, 19) + "Z";
    }

    /** The summary a replay prints at its end (and {@code replay list} does not). */
    static void printSummary(PrintWriter out, ReplayRecord r) {
        out.printf("replay %s %s: %s%s%n", r.id, r.kind, r.status, r.dryRun ? " (dry run: nothing written)" : "");
        out.printf("read %,d records, %,d answers in range: %,d would change, %,d unchanged, %,d skipped "
                + "(not deciding, undecided, duplicate or undecodable)%n", r.read, r.answers, r.changed,
                r.unchanged, r.skipped);
        if (!r.transitions.isEmpty()) {
            out.println("verdict changes (old -> new):");
            r.transitions.forEach((t, n) -> out.printf("  %-26s %,d%n", t, n));
        }
        if (!r.payoutDelta.isEmpty()) {
            out.println("payout delta per partner:");
            for (Map.Entry<String, Map<String, String>> partner : r.payoutDelta.entrySet()) {
                partner.getValue().forEach((currency, delta) -> out.printf("  %-24s %s %s%n", partner.getKey(),
                        delta.startsWith("-") ? delta : "+" + delta, currency));
            }
        }
        out.printf(r.dryRun ? "commands written: none%n" : "commands written: %,d ReclassifyRequested%n",
                r.commands);
        out.flush();
    }
}
