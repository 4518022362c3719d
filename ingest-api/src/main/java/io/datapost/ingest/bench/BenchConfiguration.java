package io.datapost.ingest.bench;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Serdes;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.kafka.LeadProducerConfiguration;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/** The benchmark profile's scratch topic and its producer (see {@link BenchController}). */
@Configuration(proxyBeanMethods = false)
@Profile("bench")
public class BenchConfiguration {

    /**
     * A scratch topic beside the leads topic, same partitions: bare bytes must not go to the leads topic,
     * whose consumers would dead-letter them. Created at start-up (KafkaAdmin) if missing.
     */
    public static final Topic<byte[], byte[]> TOPIC = new Topic<>(Topics.LEADS.name() + "-bench", Serdes.ByteArray(),
            Serdes.ByteArray(), Topics.LEADS.partitions(), false);

    /** Replication as the leads topic has it on the cluster measured ({@code datapost.bench.replication-factor}, default 1). */
    @Bean
    public NewTopic benchTopic(@Value("${datapost.bench.replication-factor:1}") short replicationFactor) {
        return TOPIC.newTopic(replicationFactor);
    }

    @Bean(destroyMethod = "close")
    public KafkaProducer<byte[], byte[]> benchProducer(KafkaProperties kafka, IngestProperties properties) {
        return new KafkaProducer<>(LeadProducerConfiguration.producerConfig(kafka.buildProducerProperties(),
                properties.kafkaDeadline()), TOPIC.keySerializer(), TOPIC.valueSerializer());
    }
}
