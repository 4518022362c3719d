package io.datapost.forwarder;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Consumes leads, calls each lead's advertiser as its event type describes, and publishes every attempt as an
 * {@code AdvertiserResponse}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ForwarderApplication {

    /** The module's own config file name, so all services can share one JVM without reading each other's. */
    public static final String CONFIG_NAME = "forwarder-worker";

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ForwarderApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
