package io.datapost.cli;

import io.datapost.cli.advertiser.AdvertiserCommand;
import io.datapost.cli.config.ConfigCommand;
import io.datapost.cli.demo.DemoCommand;
import io.datapost.cli.reconcile.ReconcileCommand;
import io.datapost.cli.replay.ReplayCommand;
import io.datapost.cli.stack.TopicsCommand;
import io.datapost.cli.stack.UpCommand;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code datapost} command. */
@Command(name = "datapost", mixinStandardHelpOptions = true, version = "datapost 0.1.0",
        description = "Data Post conversions on Kafka: local stack, demo, config.",
        subcommands = {UpCommand.class, DemoCommand.class, ConfigCommand.class, AdvertiserCommand.class,
                ReconcileCommand.class, ReplayCommand.class, TopicsCommand.class, CommandLine.HelpCommand.class})
public final class Datapost {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Datapost());
        // an operator needs the reason, not a stack trace; the trace goes to the log
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            LoggerFactory.getLogger(Datapost.class).warn("{} failed", cmd.getCommandName(), e);
            cmd.getErr().println("datapost " + cmd.getCommandName() + ": " + describe(e));
            cmd.getErr().flush();
            return ExitCodes.UNAVAILABLE;
        });
        return commandLine;
    }

    /** The message of an exception and of its causes, without repeats. */
    public static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (text.indexOf(message) < 0) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }
}
