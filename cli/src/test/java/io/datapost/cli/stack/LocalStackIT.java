package io.datapost.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * Starts the real thing, without the four services: a KRaft broker JVM from target/lib, an embedded
 * PostgreSQL, the topics and the sample config; then stops it and checks nothing is left running. Runs after
 * {@code package} (failsafe), because the broker JVM needs target/lib.
 */
class LocalStackIT {

    @TempDir
    Path dataDir;

    @Test
    void startsBrokerAndDatabaseCreatesTopicsAppliesConfigAndStopsCleanlyTwice() throws Exception {
        // Given a fresh data dir and free ports
        int kafkaPort = freePortPair();
        int postgresPort = freePort();
        StackOptions options = StackOptions.builder(DatapostHome.detect(), dataDir)
                .kafkaPort(kafkaPort)
                .postgresPort(postgresPort)
                .startServices(false)
                .build();
        List<String> progress = new ArrayList<>();

        // When the stack starts
        LocalStack stack = new LocalStack(options, progress::add);
        Endpoints endpoints;
        long brokerPid;
        try {
            endpoints = stack.start();
            brokerPid = stack.brokerPid().orElseThrow();

            // Then the broker is a separate JVM running kafka.Kafka, and every registry topic is there as declared
            assertThat(ProcessHandle.of(brokerPid).flatMap(h -> h.info().commandLine()).orElseThrow())
                    .contains(KafkaBroker.MAIN_CLASS).contains(dataDir.toString());
            assertThat(endpoints.bootstrapServers()).isEqualTo("127.0.0.1:" + kafkaPort);
            assertThat(endpoints.services()).isEmpty();
            assertTopicsAsDeclared(endpoints.bootstrapServers());
            assertRetentionLimits(endpoints.bootstrapServers());
            // and the sample config was applied in a committed transaction
            assertThat(readCommitted(endpoints.bootstrapServers(), Topics.EVENT_TYPES, 1))
                    .containsOnlyKeys("insurance-quote");
            Map<String, Partner> partners = readCommitted(endpoints.bootstrapServers(), Topics.PARTNERS, 2);
            assertThat(partners).containsOnlyKeys("demo-partner", "other-partner");
            assertThat(partners.get("demo-partner").getPayouts().get(0).getEventTypeId()).isEqualTo("insurance-quote");
            // and PostgreSQL answers with the datapost database
            assertThat(queryOne(endpoints.database(), "SELECT current_database()")).isEqualTo("datapost");
            assertThat(progress).anyMatch(line -> line.contains(Topics.all().size() + " created"));
        } finally {
            stack.stop();
        }

        // Then after stop the broker JVM is gone and nothing listens on the ports
        assertThat(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(listening(kafkaPort)).isFalse();
        assertThat(listening(postgresPort)).isFalse();

        // When it starts again on the same data dir
        List<String> secondRun = new ArrayList<>();
        LocalStack again = new LocalStack(options, secondRun::add);
        try {
            Endpoints reused = again.start();
            // Then the topics and the database are reused, not re-created
            assertThat(secondRun).anyMatch(line -> line.contains("all exist"));
            assertThat(queryOne(reused.database(), "SELECT count(*) FROM pg_database WHERE datname = 'datapost'"))
                    .isEqualTo("1");
            assertThat(readCommitted(reused.bootstrapServers(), Topics.EVENT_TYPES, 1)).containsOnlyKeys(
                    "insurance-quote");
        } finally {
            again.stop();
        }
        assertThat(listening(kafkaPort)).isFalse();
    }

    private static void assertTopicsAsDeclared(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Set<String> names = Topics.all().stream().map(Topic::name).collect(Collectors.toSet());
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            List<ConfigResource> resources = names.stream()
                    .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (Topic<?, ?> topic : Topics.all()) {
                assertThat(described.get(topic.name()).partitions()).as(topic.name()).hasSize(topic.partitions());
                String policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                        .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
                assertThat(policy).as(topic.name()).isEqualTo(topic.compacted()
                        ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
            }
        }
    }

    private static void assertRetentionLimits(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Config topic = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                    Topics.LEADS.name()))).all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(topic.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("86400000");
            assertThat(topic.get(TopicConfig.RETENTION_BYTES_CONFIG).value()).isEqualTo("1073741824");
            assertThat(topic.get(TopicConfig.SEGMENT_BYTES_CONFIG).value()).isEqualTo("104857600");
        }
    }

    private static <V> Map<String, V> readCommitted(String bootstrap, Topic<String, V> topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, V> latest = new HashMap<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keyDeserializer(),
                topic.valueDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), record.value());
                }
                return latest.size() >= expected;
            });
        }
        return latest;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static String queryOne(JdbcTarget database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(database.url(), database.user(), database.password());
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A port whose successor is free too: the broker's controller listens there. */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = freePort();
            try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no two consecutive free ports");
    }
}
