package io.datapost.cli.config;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.apache.kafka.common.errors.TimeoutException;

import io.datapost.cli.ExitCodes;
import io.datapost.schemas.kafka.Topics;
import io.datapost.schemas.security.ApiKeyHasher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "config", description = "Validate and apply event types and partners (YAML in git -> compacted topics).",
        subcommands = {ConfigCommand.Apply.class, ConfigCommand.Validate.class, ConfigTestCommand.class,
                ConfigCommand.HashKey.class})
public final class ConfigCommand {

    /** Prints every problem, one line each; returns true when there were none. */
    static boolean report(ConfigSet config, PrintWriter out, PrintWriter err) {
        if (config.valid()) {
            out.printf("%d event type(s), %d partner(s): valid%n", config.eventTypes().size(),
                    config.partners().size());
            return true;
        }
        err.printf("%d problem(s); nothing applied:%n", config.problems().size());
        config.problems().forEach(problem -> err.println("  " + problem));
        return false;
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Validate every file under DIR, then write all of them in one Kafka transaction "
                    + "(nothing is written if any file is invalid).")
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
                description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
        String bootstrapServers;

        @Parameters(index = "0", arity = "0..1", defaultValue = "config", paramLabel = "DIR",
                description = "Config directory with event-types/ and partners/ (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--skip-secrets", description = "Do not require the ${env:NAME} secrets of event types to be "
                + "set here (they must be set where the forwarder runs).")
        boolean skipSecrets;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ConfigApplier.Result result;
            try {
                result = new ConfigApplier(loader(skipSecrets), ConfigPublisher.forBootstrap(bootstrapServers))
                        .apply(dir);
            } catch (TimeoutException e) {
                err.println("datapost config apply: no answer from Kafka at " + bootstrapServers
                        + " (is it running? `datapost up` starts one); applying again is safe: the whole batch"
                        + " is one transaction and the topics keep the latest record per id");
                return ExitCodes.UNAVAILABLE;
            }
            if (!report(result.config(), out, err)) {
                return ExitCodes.INVALID_INPUT;
            }
            out.printf("applied %d record(s) to %s and %s at %s%n", result.written(), Topics.EVENT_TYPES.name(),
                    Topics.PARTNERS.name(), bootstrapServers);
            return ExitCodes.OK;
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check every file under DIR without a broker.")
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", defaultValue = "config", paramLabel = "DIR",
                description = "Config directory (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--skip-secrets", description = "Do not require the ${env:NAME} secrets of event types to be "
                + "set here (they must be set where the forwarder runs).")
        boolean skipSecrets;

        @Override
        public Integer call() {
            ConfigSet config = loader(skipSecrets).load(dir);
            return report(config, spec.commandLine().getOut(), spec.commandLine().getErr())
                    ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
    }

    /** Requires every referenced secret to be set in this environment, unless told to skip that. */
    static ConfigLoader loader(boolean skipSecrets) {
        return skipSecrets ? new ConfigLoader(null) : new ConfigLoader();
    }

    @Command(name = "hash-key", mixinStandardHelpOptions = true,
            description = "Print a salted hash of an API key, to paste under a partner's apiKeyHashes.")
    static final class HashKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "KEY", description = "The partner's API key.")
        String key;

        @Override
        public Integer call() {
            if (key.isBlank()) {
                spec.commandLine().getErr().println("KEY must not be blank");
                return ExitCodes.INVALID_INPUT;
            }
            spec.commandLine().getOut().println("  - " + ApiKeyHasher.hash(key));
            return ExitCodes.OK;
        }
    }
}
