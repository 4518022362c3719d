package io.datapost.ingest.service;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * This instance's memory of accepted idempotency keys ({@link IdempotencyKeys}), prefix
 * {@code datapost.ingest.idempotency}.
 *
 * @param maxEntries keys remembered at most (default 100000; the oldest are forgotten first); 0 turns the check off
 * @param window     how long a key is remembered (default P7D, the dedupe gate's default window)
 */
@Validated
@ConfigurationProperties("datapost.ingest.idempotency")
public record IdempotencyProperties(
        @Min(0) @DefaultValue("100000") int maxEntries,
        @NotNull @DefaultValue("P7D") Duration window) {

    public IdempotencyProperties {
        if (window != null && (window.isNegative() || window.isZero())) {
            throw new IllegalArgumentException("datapost.ingest.idempotency.window must be positive, was " + window);
        }
    }
}
