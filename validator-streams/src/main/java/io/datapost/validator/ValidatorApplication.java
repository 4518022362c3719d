package io.datapost.validator;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * validator-streams: joins each lead with its advertiser's answer, decides, and emits outcomes, conversions
 * and payouts (Kafka Streams, exactly-once). The web port serves only actuator health and prometheus.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ValidatorApplication {

    public static final String CONFIG_NAME = "validator-streams";

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ValidatorApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
