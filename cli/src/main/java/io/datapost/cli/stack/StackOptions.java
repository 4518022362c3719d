package io.datapost.cli.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What {@link LocalStack} starts and where. An external {@code bootstrapServers} replaces the local broker, an
 * external {@code database} the embedded PostgreSQL; {@code configDir} null skips applying config.
 */
public record StackOptions(DatapostHome home, Path dataDir, int kafkaPort, int postgresPort, String bootstrapServers,
        JdbcTarget database, Path configDir, boolean startServices, Map<Service, Integer> servicePorts,
        Duration startTimeout, short replicationFactor) {

    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_POSTGRES_PORT = 15432;

    public StackOptions {
        dataDir = dataDir.toAbsolutePath().normalize();
        servicePorts = Map.copyOf(servicePorts);
    }

    public static Builder builder(DatapostHome home, Path dataDir) {
        return new Builder(home, dataDir);
    }

    public boolean localBroker() {
        return bootstrapServers == null;
    }

    public boolean localDatabase() {
        return database == null;
    }

    public int port(Service service) {
        return servicePorts.getOrDefault(service, service.defaultPort());
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }

    public Path runDir() {
        return dataDir.resolve("run");
    }

    public static final class Builder {
        private final DatapostHome home;
        private final Path dataDir;
        private int kafkaPort = DEFAULT_KAFKA_PORT;
        private int postgresPort = DEFAULT_POSTGRES_PORT;
        private String bootstrapServers;
        private JdbcTarget database;
        private Path configDir;
        private boolean startServices = true;
        private final Map<Service, Integer> servicePorts = new EnumMap<>(Service.class);
        private Duration startTimeout = Duration.ofMinutes(3);
        private short replicationFactor = 1;

        private Builder(DatapostHome home, Path dataDir) {
            this.home = home;
            this.dataDir = dataDir;
            this.configDir = home.defaultConfigDir();
        }

        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            return this;
        }

        public Builder postgresPort(int port) {
            this.postgresPort = port;
            return this;
        }

        /** Use this cluster instead of starting a broker. */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = servers;
            return this;
        }

        /** Use this database instead of starting PostgreSQL. */
        public Builder database(JdbcTarget target) {
            this.database = target;
            return this;
        }

        public Builder configDir(Path dir) {
            this.configDir = dir;
            return this;
        }

        public Builder startServices(boolean start) {
            this.startServices = start;
            return this;
        }

        public Builder servicePort(Service service, int port) {
            servicePorts.put(service, port);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        public Builder replicationFactor(short factor) {
            this.replicationFactor = factor;
            return this;
        }

        public StackOptions build() {
            return new StackOptions(home, dataDir, kafkaPort, postgresPort, bootstrapServers, database, configDir,
                    startServices, servicePorts, startTimeout, replicationFactor);
        }
    }
}
