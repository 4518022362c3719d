package io.datapost.ingest;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The partner-facing HTTP edge: authenticates the partner, checks the event type, parses and validates the
 * lead and answers 202 only once Kafka has acknowledged the {@code LeadSubmitted}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class IngestApiApplication {

    /** The application with its own config file ({@code ingest-api.yml}), so it can share a JVM with the others. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(IngestApiApplication.class).properties("spring.config.name=ingest-api");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
