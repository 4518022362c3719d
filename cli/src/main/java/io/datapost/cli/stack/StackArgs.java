package io.datapost.cli.stack;

import java.nio.file.Path;
import java.time.Duration;

import picocli.CommandLine.Option;

/** Options shared by {@code up} and {@code demo}: where the stack lives and which ports it takes. */
public final class StackArgs {

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "Port of the local broker; its controller takes the next one (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--pg-port", defaultValue = "15432",
            description = "Port of the local PostgreSQL (default: ${DEFAULT-VALUE}).")
    int postgresPort;

    @Option(names = "--bootstrap-servers",
            description = "Use this Kafka cluster instead of starting a broker.")
    String bootstrapServers;

    @Option(names = "--replication-factor", defaultValue = "1",
            description = "Replication factor of the topics created (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(names = "--jdbc-url", description = "Use this PostgreSQL instead of starting one.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", defaultValue = "postgres", description = "User for --jdbc-url (default: ${DEFAULT-VALUE}).")
    String jdbcUser;

    @Option(names = "--jdbc-password", defaultValue = "", description = "Password for --jdbc-url.")
    String jdbcPassword;

    @Option(names = "--config", paramLabel = "DIR",
            description = "Config dir applied on start (default: <repo>/config).")
    Path configDir;

    @Option(names = "--ingest-port", defaultValue = "8080", description = "(default: ${DEFAULT-VALUE})")
    int ingestPort;

    @Option(names = "--forwarder-port", defaultValue = "8081", description = "(default: ${DEFAULT-VALUE})")
    int forwarderPort;

    @Option(names = "--validator-port", defaultValue = "8082", description = "(default: ${DEFAULT-VALUE})")
    int validatorPort;

    @Option(names = "--sink-port", defaultValue = "8083", description = "(default: ${DEFAULT-VALUE})")
    int sinkPort;

    @Option(names = "--start-timeout", defaultValue = "180",
            description = "Seconds the services get to become healthy (default: ${DEFAULT-VALUE}).")
    int startTimeoutSeconds;

    public StackOptions.Builder toOptions(DatapostHome home, Path dataDir) {
        StackOptions.Builder builder = StackOptions.builder(home, dataDir)
                .kafkaPort(kafkaPort)
                .postgresPort(postgresPort)
                .replicationFactor(replicationFactor)
                .servicePort(Service.INGEST_API, ingestPort)
                .servicePort(Service.FORWARDER_WORKER, forwarderPort)
                .servicePort(Service.VALIDATOR_STREAMS, validatorPort)
                .servicePort(Service.CONVERSION_SINK, sinkPort)
                .startTimeout(Duration.ofSeconds(startTimeoutSeconds));
        if (bootstrapServers != null) {
            builder.bootstrapServers(bootstrapServers);
        }
        if (jdbcUrl != null) {
            builder.database(new JdbcTarget(jdbcUrl, jdbcUser, jdbcPassword));
        }
        if (configDir != null) {
            builder.configDir(configDir.toAbsolutePath());
        }
        return builder;
    }
}
