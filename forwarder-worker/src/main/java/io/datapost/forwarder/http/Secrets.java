package io.datapost.forwarder.http;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Secrets of event types, read from the environment only ({@code ${env:NAME}} in the config). A missing one
 * stops the request: it is never sent without it. Remembers the values it handed out so that a printed request
 * can mask them.
 */
public final class Secrets {

    private final Function<String, String> environment;
    private final Set<String> used = new LinkedHashSet<>();

    public Secrets(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    public static Secrets fromSystemEnvironment() {
        return new Secrets(System::getenv);
    }

    /** @throws RequestRenderException naming the variable when it is unset or empty */
    public String require(String name) {
        String value = environment.apply(name);
        if (value == null || value.isEmpty()) {
            throw new RequestRenderException("Secret environment variable " + name + " is not set");
        }
        used.add(value);
        return value;
    }

    /** Whether the variable is set (for config validation). */
    public boolean isSet(String name) {
        String value = environment.apply(name);
        return value != null && !value.isEmpty();
    }

    /** The secret values handed out so far (to mask them in anything printed). */
    public Set<String> used() {
        return Set.copyOf(used);
    }
}
