package io.datapost.ingest.server;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * ingest-api's HTTP edge, prefix {@code datapost.ingest.edge}.
 *
 * @param bodyDeadline how long a post's body may take to arrive in total, counted from the moment the request
 *                     reaches the controller ({@code body-deadline}, default 20s). Each single read already ends
 *                     after {@code server.tomcat.connection-timeout} without a byte; this bounds a client that
 *                     sends a byte now and then (slow drip). Past it the answer is 408 and the connection closes.
 */
@ConfigurationProperties("datapost.ingest.edge")
@Validated
public record EdgeProperties(@NotNull @DefaultValue("20s") Duration bodyDeadline) {

    public EdgeProperties {
        if (bodyDeadline != null && (bodyDeadline.compareTo(Duration.ofMillis(100)) < 0
                || bodyDeadline.compareTo(Duration.ofMinutes(10)) > 0)) {
            throw new IllegalArgumentException(
                    "datapost.ingest.edge.body-deadline must be between 100ms and 10m, was " + bodyDeadline);
        }
    }
}
