package io.datapost.cli.stack;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import io.datapost.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datapost topics create}: creates every topic of the registry on an existing cluster. */
@Command(name = "topics", description = "Create the datapost topics on an existing Kafka cluster.",
        subcommands = TopicsCommand.Create.class)
public final class TopicsCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create every datapost topic with its partitions and cleanup policy; existing ones are kept.")
    static final class Create implements Callable<Integer> {

        @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
                description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
        String bootstrapServers;

        @Option(names = "--replication-factor", defaultValue = "1",
                description = "Replication factor of new topics (default: ${DEFAULT-VALUE}; 3 on a 3-broker cluster).")
        short replicationFactor;

        @Override
        public Integer call() throws Exception {
            try {
                List<String> created = TopicCreator.createAll(bootstrapServers, replicationFactor, Duration.ofSeconds(60));
                System.out.println("created " + created.size() + " topic(s)" + (created.isEmpty() ? "" : ": " + created));
                return ExitCodes.OK;
            } catch (StackException e) {
                System.err.println("datapost topics create: " + e.getMessage());
                return ExitCodes.UNAVAILABLE;
            }
        }
    }
}
