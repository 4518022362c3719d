package io.datapost.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topics;

class ConfigApplierTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final AtomicInteger producersCreated = new AtomicInteger();
    private final ConfigApplier applier = new ConfigApplier(new ConfigLoader(), new ConfigPublisher(() -> {
        producersCreated.incrementAndGet();
        return producer;
    }));

    @Test
    void appliesNothingWhenOneFileOfTheBatchIsInvalid() {
        // Given a directory with two valid files and one partner with a misspelt key
        // When it is applied
        ConfigApplier.Result result = applier.apply(ConfigLoaderTest.resource("config-one-bad"));

        // Then the problem is reported and Kafka is never contacted
        assertThat(result.config().problems()).singleElement().satisfies(p -> {
            assertThat(p.file().getFileName()).hasToString("typo-partner.yaml");
            assertThat(p.field()).isEqualTo("payouts[0].currancy");
        });
        assertThat(result.written()).isZero();
        assertThat(producersCreated).hasValue(0);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void writesAValidBatchInOneCommittedTransactionKeyedById() {
        // Given the sample config
        // When it is applied
        ConfigApplier.Result result = applier.apply(ConfigLoaderTest.REPO_CONFIG);

        // Then every record went out in one committed transaction, keyed by id, decodable by the topic's serde
        assertThat(result.written()).isEqualTo(3);
        assertThat(producer.transactionInitialized()).isTrue();
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.transactionAborted()).isFalse();
        assertThat(producer.history()).hasSize(3);
        ProducerRecord<byte[], byte[]> first = producer.history().get(0);
        assertThat(first.topic()).isEqualTo(Topics.EVENT_TYPES.name());
        assertThat(Topics.EVENT_TYPES.keyDeserializer().deserialize(first.topic(), first.key()))
                .isEqualTo("insurance-quote");
        EventType eventType = Topics.EVENT_TYPES.valueDeserializer().deserialize(first.topic(), first.value());
        assertThat(eventType.getId()).isEqualTo("insurance-quote");
        assertThat(producer.history().subList(1, 3)).allSatisfy(record -> {
            assertThat(record.topic()).isEqualTo(Topics.PARTNERS.name());
            Partner partner = Topics.PARTNERS.valueDeserializer().deserialize(record.topic(), record.value());
            assertThat(Topics.PARTNERS.keyDeserializer().deserialize(record.topic(), record.key()))
                    .isEqualTo(partner.getId());
        });
    }
}
