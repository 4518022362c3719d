package io.datapost.sink.config;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;

/** The partners (ids and API key hashes) the read API authenticates against, followed live from Kafka. */
@Configuration(proxyBeanMethods = false)
public class PartnerDirectoryConfig {

    @Bean(destroyMethod = "close")
    LiveTable<Partner> partners(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG); // every instance reads the whole topic
        config.put(ConsumerConfig.CLIENT_ID_CONFIG,
                ConversionSinkApplication.SERVICE_NAME + "-" + Topics.PARTNERS.name());
        return new LiveTable<>(Topics.PARTNERS, config).start();
    }
}
