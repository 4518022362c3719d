package io.datapost.cli.stack;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** Where each piece of a started {@link LocalStack} listens. {@code services} is empty when none were started. */
public record Endpoints(String bootstrapServers, JdbcTarget database, Map<Service, URI> services, Path dataDir,
        Path logDir, Duration startup) {

    public Endpoints {
        EnumMap<Service, URI> inOrder = new EnumMap<>(Service.class);
        inOrder.putAll(services);
        services = Collections.unmodifiableMap(inOrder);
    }

    public URI service(Service service) {
        URI uri = services.get(service);
        if (uri == null) {
            throw new IllegalStateException(service.module() + " was not started");
        }
        return uri;
    }
}
