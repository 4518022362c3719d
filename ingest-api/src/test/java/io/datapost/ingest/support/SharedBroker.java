package io.datapost.ingest.support;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.server.config.ServerLogConfigs;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/**
 * One real KRaft broker for every test class of this module (started on first use, stopped with the
 * JVM), with every datapost topic created as declared and the config fixtures already published.
 */
public final class SharedBroker {

    private static EmbeddedKafkaKraftBroker broker;

    private SharedBroker() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, 1);
            // a client that relies on auto-creation would pass here and fail against a real cluster
            started.brokerProperty(ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_CONFIG, "false");
            started.afterPropertiesSet();
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "shared-broker-stop"));
            started.addTopics(Topics.all().stream().map(topic -> topic.newTopic((short) 1)).toArray(NewTopic[]::new));
            TopicLeaders.awaitAll(started.getBrokersAsString(), Duration.ofSeconds(30));
            broker = started;
            publishConfig(started.getBrokersAsString());
        }
        return broker.getBrokersAsString();
    }

    private static void publishConfig(String bootstrap) {
        for (EventType eventType : ConfigFixtures.eventTypes()) {
            send(bootstrap, Topics.EVENT_TYPES, eventType.getId(), eventType);
        }
        for (Partner partner : ConfigFixtures.partners()) {
            send(bootstrap, Topics.PARTNERS, partner.getId(), partner);
        }
    }

    private static <V> void send(String bootstrap, Topic<String, V> topic, String key, V value) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, topic.keySerializer(),
                topic.valueSerializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not publish config " + key + " to " + topic.name(), e);
        }
    }
}
