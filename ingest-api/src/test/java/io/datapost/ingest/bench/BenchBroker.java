package io.datapost.ingest.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.server.config.ServerLogConfigs;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.VerdictRule;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.schemas.security.ApiKeyHasher;

/**
 * The benchmark's broker, in its own JVM: one KRaft broker (spring-kafka-test's embedded one) with every datapost
 * topic, the bench event type and the bench partner. Writes its bootstrap address to the file named by its
 * argument once ready, and stops when its standard input closes. Retention is capped so a long run cannot fill the disk.
 */
public final class BenchBroker {

    static final String EVENT_TYPE = "bench-quote";
    static final String PARTNER = "bench-partner";
    static final String KEY = "bench-key-1";

    private BenchBroker() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of(
                ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_CONFIG, "false",
                ServerLogConfigs.LOG_RETENTION_BYTES_CONFIG, Long.toString(256L * 1024 * 1024),
                ServerLogConfigs.LOG_SEGMENT_BYTES_CONFIG, Integer.toString(32 * 1024 * 1024),
                ServerLogConfigs.LOG_CLEANUP_INTERVAL_MS_CONFIG, "10000",
                "group.initial.rebalance.delay.ms", "0",
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1"));
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "bench-broker-stop"));
        String bootstrap = broker.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(topic -> topic.newTopic((short) 1)).toList()).all()
                    .get(60, TimeUnit.SECONDS);
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
        publish(bootstrap, Topics.EVENT_TYPES, EVENT_TYPE, eventType());
        publish(bootstrap, Topics.PARTNERS, PARTNER, partner());
        Path ready = Path.of(args[0]);
        Path partial = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(partial, bootstrap);
        Files.move(partial, ready, StandardCopyOption.ATOMIC_MOVE);
        waitForStdinToClose();
        System.exit(0);
    }

    static EventType eventType() {
        return EventType.newBuilder()
                .setId(EVENT_TYPE)
                .setRequiredFields(List.of("email", "phone", "first_name", "last_name", "zip"))
                .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:9/v1/leads").build())
                .setRule(VerdictRule.newBuilder().build())
                .setExtraction(Extraction.newBuilder().build())
                .build();
    }

    static Partner partner() {
        return Partner.newBuilder()
                .setId(PARTNER)
                .setName(PARTNER)
                .setApiKeyHashes(List.of(ApiKeyHasher.hash(KEY)))
                .setPayouts(List.of(PayoutTerm.newBuilder().setEventTypeId(EVENT_TYPE).setKind(PayoutTermKind.FIXED)
                        .setValue(new BigDecimal("4.00").setScale(4, RoundingMode.HALF_EVEN)).build()))
                .build();
    }

    private static <V> void publish(String bootstrap, Topic<String, V> topic, String key, V value) throws Exception {
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ProducerConfig.ACKS_CONFIG, "all"), topic.keySerializer(), topic.valueSerializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static void waitForStdinToClose() throws IOException {
        while (System.in.read() >= 0) {
            // keep running until the harness closes our input (or is gone)
        }
    }
}
