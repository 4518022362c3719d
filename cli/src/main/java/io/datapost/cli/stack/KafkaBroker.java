package io.datapost.cli.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka (KRaft, combined broker + controller) in its own JVM, run from the Kafka
 * jars the cli ships with ({@code kafka.Kafka}). Storage is formatted once; the cluster id is kept in the data
 * dir so later starts reuse the topics. Retention is capped by time and bytes so a laptop disk never fills.
 */
final class KafkaBroker {

    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
    static final String MAIN_CLASS = "kafka.Kafka";
    private static final String STORAGE_TOOL = "kafka.tools.StorageTool";

    private final Path dir;
    private final Path logDir;
    private final String classpath;
    private final int port;
    private volatile ChildProcess process;
    private boolean stopped;

    /**
     * @param dir    {@code <data>/kafka}: server.properties, cluster id, pid file, log segments
     * @param logDir where kafka.log (broker log4j) and kafka.out (JVM output) go
     * @param port   the client port; the controller listens on {@code port + 1}
     */
    KafkaBroker(Path dir, Path logDir, String classpath, int port) {
        this.dir = dir;
        this.logDir = logDir;
        this.classpath = classpath;
        this.port = port;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    int controllerPort() {
        return port + 1;
    }

    Path pidFile() {
        return dir.resolve("broker.pid");
    }

    Path logFile() {
        return logDir.resolve("kafka.log");
    }

    void start(Duration timeout) throws IOException, InterruptedException {
        launch();
        awaitReady(timeout);
    }

    /** Formats storage if needed and starts the JVM; a {@link #stop()} that came first wins. */
    private synchronized void launch() throws IOException, InterruptedException {
        if (stopped) {
            throw new IOException("the broker was stopped before it started");
        }
        Files.createDirectories(dir);
        Files.createDirectories(logDir);
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, serverProperties());
        Path log4j = dir.resolve("log4j2.xml");
        try (InputStream template = KafkaBroker.class.getResourceAsStream("broker-log4j2.xml")) {
            Files.writeString(log4j, new String(template.readAllBytes(), StandardCharsets.UTF_8));
        }
        if (!Files.exists(logSegmentsDir().resolve("meta.properties"))) {
            format(properties);
        }
        List<String> command = ChildProcess.javaCommand();
        command.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4j.toAbsolutePath(),
                "-Dkafka.logs.dir=" + logDir.toAbsolutePath(),
                "-cp", classpath, MAIN_CLASS, properties.toAbsolutePath().toString()));
        process = ChildProcess.start("kafka", command, Map.of(), dir, pidFile(), logDir.resolve("kafka.out"));
    }

    /** SIGTERM, then a bounded wait for the controlled shutdown, then SIGKILL. Also stops a start under way. */
    synchronized void stop() {
        stopped = true;
        if (process != null) {
            boolean clean = process.stop(Duration.ofSeconds(30));
            log.info("broker stopped {}", clean ? "cleanly" : "by SIGKILL");
            process = null;
        }
    }

    boolean isRunning() {
        ChildProcess running = process;
        return running != null && running.isAlive();
    }

    long pid() {
        return process.pid();
    }

    private Path logSegmentsDir() {
        return dir.resolve("data");
    }

    private String clusterId() throws IOException {
        Path file = dir.resolve("cluster.id");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String id = Uuid.randomUuid().toString();
        Files.writeString(file, id);
        return id;
    }

    private void format(Path properties) throws IOException, InterruptedException {
        List<String> command = ChildProcess.javaCommand();
        command.addAll(List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.xml").toAbsolutePath(),
                "-Dkafka.logs.dir=" + logDir.toAbsolutePath(),
                "-cp", classpath, STORAGE_TOOL, "format", "--standalone", "--ignore-formatted",
                "-t", clusterId(), "-c", properties.toAbsolutePath().toString()));
        Path output = logDir.resolve("kafka-format.log");
        Process format = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        if (!format.waitFor(2, TimeUnit.MINUTES)) {
            format.destroyForcibly();
            throw new IOException("formatting Kafka storage did not finish within 2 minutes; see " + output);
        }
        if (format.exitValue() != 0) {
            throw new IOException("formatting Kafka storage failed (exit " + format.exitValue() + "):"
                    + System.lineSeparator() + ChildProcess.tail(output, 20));
        }
        log.info("formatted Kafka storage in {}", logSegmentsDir());
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500))) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the Kafka broker exited during start-up:" + System.lineSeparator()
                            + process.tail(25) + System.lineSeparator() + ChildProcess.tail(logFile(), 25));
                }
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                            .get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    log.debug("broker not ready yet: {}", e.toString());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Kafka broker did not answer within " + timeout.toSeconds() + " s:"
                            + System.lineSeparator() + ChildProcess.tail(logFile(), 25));
                }
                Thread.sleep(200);
            }
        }
    }

    String serverProperties() {
        String listeners = "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort();
        List<String[]> entries = new ArrayList<>();
        entries.add(new String[] {"process.roles", "broker,controller"});
        entries.add(new String[] {"node.id", "1"});
        entries.add(new String[] {"controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort()});
        entries.add(new String[] {"listeners", listeners});
        entries.add(new String[] {"advertised.listeners", listeners});
        entries.add(new String[] {"controller.listener.names", "CONTROLLER"});
        entries.add(new String[] {"inter.broker.listener.name", "PLAINTEXT"});
        entries.add(new String[] {"listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"});
        entries.add(new String[] {"log.dirs", logSegmentsDir().toAbsolutePath().toString()});
        entries.add(new String[] {"num.partitions", "6"});
        entries.add(new String[] {"default.replication.factor", "1"});
        entries.add(new String[] {"min.insync.replicas", "1"});
        entries.add(new String[] {"offsets.topic.replication.factor", "1"});
        entries.add(new String[] {"offsets.topic.num.partitions", "6"});
        entries.add(new String[] {"transaction.state.log.replication.factor", "1"});
        entries.add(new String[] {"transaction.state.log.min.isr", "1"});
        entries.add(new String[] {"transaction.state.log.num.partitions", "6"});
        entries.add(new String[] {"share.coordinator.state.topic.replication.factor", "1"});
        entries.add(new String[] {"share.coordinator.state.topic.min.isr", "1"});
        // one node: a consumer group need not wait for more members to join
        entries.add(new String[] {"group.initial.rebalance.delay.ms", "0"});
        entries.add(new String[] {"auto.create.topics.enable", "false"});
        // disk limits: per partition, by time and by bytes, in segments small enough to be deleted
        entries.add(new String[] {"log.retention.hours", "24"});
        entries.add(new String[] {"log.retention.bytes", "1073741824"});
        entries.add(new String[] {"log.segment.bytes", "104857600"});
        entries.add(new String[] {"log.retention.check.interval.ms", "300000"});
        StringBuilder text = new StringBuilder("# Written by datapost up on every start; edits are overwritten.\n");
        for (String[] entry : entries) {
            text.append(entry[0]).append('=').append(entry[1]).append('\n');
        }
        return text.toString();
    }
}
