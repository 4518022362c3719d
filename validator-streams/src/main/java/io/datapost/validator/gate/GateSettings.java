package io.datapost.validator.gate;

import java.time.Duration;
import java.util.Objects;

/**
 * What the gate topology needs besides its topics.
 *
 * @param window        how long a submission id is remembered against repeats, counted from the first copy's
 *                      {@code receivedAt}; a repeat received this long or longer after it passes again
 * @param purgeInterval how often (wall-clock time) entries older than {@code window} are deleted from the store
 * @param metrics       where forwarded leads, repeats, dead letters and purges are counted
 */
public record GateSettings(Duration window, Duration purgeInterval, GateMetrics metrics) {

    public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);
    public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMinutes(1);

    public GateSettings {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(purgeInterval, "purgeInterval");
        Objects.requireNonNull(metrics, "metrics");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
        if (purgeInterval.isNegative() || purgeInterval.isZero()) {
            throw new IllegalArgumentException("purgeInterval must be positive");
        }
    }
}
