package io.datapost.sink;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Persists lead outcomes, conversions and payouts to PostgreSQL idempotently and serves the read API
 * (submission status, a partner's conversions, daily payout totals).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ConversionSinkApplication {

    /** The name of this service's config file ({@code conversion-sink.yml}) and of its dead-letter header. */
    public static final String SERVICE_NAME = "conversion-sink";

    public static void main(String[] args) {
        builder().run(args);
    }

    /** Other services share the JVM in the end-to-end test, so each reads only its own config file. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ConversionSinkApplication.class)
                .properties("spring.config.name=" + SERVICE_NAME);
    }
}
