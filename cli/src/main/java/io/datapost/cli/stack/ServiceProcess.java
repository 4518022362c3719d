package io.datapost.cli.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One datapost service as a child JVM running its Spring Boot exec jar. */
final class ServiceProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Service service;
    private final int port;
    private final ChildProcess process;

    private ServiceProcess(Service service, int port, ChildProcess process) {
        this.service = service;
        this.port = port;
        this.process = process;
    }

    /** @param extraArguments service-specific {@code --name=value} settings, after the common ones */
    static ServiceProcess start(Service service, Path jar, int port, String bootstrapServers, JdbcTarget database,
            List<String> extraArguments, Path runDir, Path logDir) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException(service.module() + " is not built: " + jar + " is missing"
                    + " (run mvn -B -q -DskipTests package in the repo root)");
        }
        List<String> command = ChildProcess.javaCommand();
        command.addAll(List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
                "-Djava.awt.headless=true", "-jar", jar.toAbsolutePath().toString(),
                "--spring.kafka.bootstrap-servers=" + bootstrapServers,
                "--server.port=" + port,
                "--server.address=127.0.0.1"));
        if (service.needsDatabase()) {
            command.add("--spring.datasource.url=" + database.url());
            command.add("--spring.datasource.username=" + database.user());
        }
        command.addAll(extraArguments);
        // the password goes through the environment (Spring's relaxed binding), not the visible command line
        Map<String, String> environment = service.needsDatabase()
                ? Map.of("SPRING_DATASOURCE_PASSWORD", database.password()) : Map.of();
        ChildProcess child = ChildProcess.start(service.module(), command, environment, runDir,
                pidFile(runDir, service), logDir.resolve(service.module() + ".log"));
        return new ServiceProcess(service, port, child);
    }

    static Path pidFile(Path runDir, Service service) {
        return runDir.resolve(service.module() + ".pid");
    }

    Service service() {
        return service;
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    ChildProcess process() {
        return process;
    }

    /** True when {@code /actuator/health} answers 200 with status UP. */
    boolean healthy() {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/actuator/health"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().replace(" ", "").contains("\"status\":\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
