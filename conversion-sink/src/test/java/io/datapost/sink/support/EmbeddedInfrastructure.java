package io.datapost.sink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL (zonky, stopped by its own shutdown hook) and a real KRaft broker for one test class.
 * The broker gets every datapost topic as {@link Topics} declares it, and refuses to auto-create any other.
 */
public final class EmbeddedInfrastructure {

    private EmbeddedInfrastructure() {
    }

    public static EmbeddedPostgres postgres() {
        try {
            return EmbeddedPostgres.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start embedded PostgreSQL", e);
        }
    }

    public static String jdbcUrl(EmbeddedPostgres postgres) {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public static EmbeddedKafkaKraftBroker kafka() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, Topics.DATA_PARTITIONS);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "auto.create.topics.enable", "false"));
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));
        return broker;
    }
}
