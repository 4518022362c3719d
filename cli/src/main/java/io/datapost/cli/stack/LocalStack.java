package io.datapost.cli.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.cli.Datapost;
import io.datapost.cli.config.ConfigApplier;
import io.datapost.cli.config.ConfigProblem;
import io.datapost.cli.config.ConfigSet;

/**
 * The local datapost stack: a KRaft Kafka broker in its own JVM, an embedded PostgreSQL, every topic of the
 * registry, the config directory applied, and the four services as child JVMs, each waited for until it
 * answers. {@link #stop()} takes them down in reverse order: services, broker, database.
 *
 * <p>Used by {@code datapost up} (which then blocks) and {@code datapost demo} (which drives it).
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration BROKER_START = Duration.ofSeconds(90);

    private final StackOptions options;
    private final Consumer<String> progress;
    // start() runs on the caller's thread while stop() may come from a shutdown hook (Ctrl-C during start-up):
    // every piece is registered here as soon as it exists, so stop() can take it down at any point
    private final Object lock = new Object();
    private boolean started;
    private boolean stopped;
    private volatile KafkaBroker broker;
    private volatile PostgresServer postgres;
    private final List<ServiceProcess> services = new CopyOnWriteArrayList<>();

    /** @param progress receives one human-readable line per step */
    public LocalStack(StackOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    public Endpoints start() throws StackException {
        synchronized (lock) {
            if (started || stopped) {
                throw new IllegalStateException("a LocalStack starts once");
            }
            started = true;
        }
        long begin = System.nanoTime();
        try {
            Files.createDirectories(options.logDir());
            Files.createDirectories(options.runDir());
            stopLeftovers();
            if (options.startServices()) {
                requireServiceJars(); // before minutes are spent starting the rest
            }
            String bootstrap = startBroker();
            JdbcTarget database = startDatabase();
            step("topics", () -> {
                List<String> created = TopicCreator.createAll(bootstrap, options.replicationFactor(),
                        Duration.ofSeconds(60));
                return created.isEmpty() ? "all exist" : created.size() + " created";
            });
            if (options.configDir() != null) {
                step("config " + options.configDir(), () -> applyConfig(bootstrap));
            }
            Map<Service, URI> uris = options.startServices() ? startServices(bootstrap, database) : Map.of();
            return new Endpoints(bootstrap, database, uris, options.dataDir(), options.logDir(),
                    Duration.ofNanos(System.nanoTime() - begin));
        } catch (StackException e) {
            stop();
            throw e;
        } catch (IOException | SQLException | RuntimeException e) {
            log.error("the local stack did not start", e);
            stop();
            throw new StackException(Datapost.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new StackException("interrupted while starting", e);
        }
    }

    /**
     * Stops what was started, services first, then the broker, then PostgreSQL. Safe to call more than once,
     * from a shutdown hook, and while {@link #start()} is still running (which then fails).
     */
    public void stop() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        for (ServiceProcess service : services) {
            service.process().requestStop();
        }
        for (ServiceProcess service : services) {
            boolean clean = service.process().stop(Duration.ofSeconds(20));
            log.info("{} stopped {}", service.service().module(), clean ? "cleanly" : "by SIGKILL");
        }
        KafkaBroker startedBroker = broker;
        if (startedBroker != null) {
            startedBroker.stop();
        }
        PostgresServer startedPostgres = postgres;
        if (startedPostgres != null) {
            startedPostgres.stop();
        }
    }

    /** Called as soon as a piece exists; fails the start when a stop came first. */
    private void checkNotStopped() throws StackException {
        synchronized (lock) {
            if (stopped) {
                throw new StackException("stopped while starting");
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Peak resident memory (Linux {@code VmHWM}) of every JVM this stack started, by name, in KiB; empty where
     * the process is gone or /proc is not there. The figure the demo reports as the stack's memory.
     */
    public Map<String, Long> peakResidentKiB() {
        Map<String, Long> peaks = new LinkedHashMap<>();
        brokerPid().ifPresent(pid -> peakResidentKiB(pid).ifPresent(kib -> peaks.put("kafka broker", kib)));
        for (ServiceProcess service : services) {
            peakResidentKiB(service.process().pid()).ifPresent(kib -> peaks.put(service.service().module(), kib));
        }
        return peaks;
    }

    /** {@code VmHWM} of a process, from /proc. */
    public static OptionalLong peakResidentKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return OptionalLong.empty();
    }

    /** The pid of the broker JVM this stack started, if it started one and it is running. */
    public OptionalLong brokerPid() {
        KafkaBroker running = broker;
        return running != null && running.isRunning() ? OptionalLong.of(running.pid()) : OptionalLong.empty();
    }

    private String startBroker() throws StackException, IOException, SQLException, InterruptedException {
        if (!options.localBroker()) {
            progress.accept(String.format("%-18s %s (external, not started)", "Kafka", options.bootstrapServers()));
            return options.bootstrapServers();
        }
        requireFree(options.kafkaPort(), "Kafka broker", "--kafka-port");
        requireFree(options.kafkaPort() + 1, "Kafka controller (broker port + 1)", "--kafka-port");
        KafkaBroker starting = new KafkaBroker(options.dataDir().resolve("kafka"), options.logDir(),
                options.home().kafkaClasspath(), options.kafkaPort());
        broker = starting;
        checkNotStopped();
        step("Kafka broker", () -> {
            starting.start(BROKER_START);
            return starting.bootstrapServers() + " (pid " + starting.pid() + ")";
        });
        return starting.bootstrapServers();
    }

    private JdbcTarget startDatabase() throws StackException, IOException, SQLException, InterruptedException {
        if (!options.localDatabase()) {
            progress.accept(String.format("%-18s %s (external, not started)", "PostgreSQL", options.database()));
            return options.database();
        }
        requireFree(options.postgresPort(), "PostgreSQL", "--pg-port");
        PostgresServer starting = new PostgresServer(postgresDir(), options.logDir().resolve("postgres.log"),
                options.postgresPort());
        postgres = starting;
        checkNotStopped();
        step("PostgreSQL", () -> {
            starting.start();
            return starting.jdbcUrl();
        });
        return new JdbcTarget(starting.jdbcUrl(), PostgresServer.USER, "");
    }

    private String applyConfig(String bootstrap) throws StackException {
        ConfigApplier.Result result = ConfigApplier.forBootstrap(bootstrap).apply(options.configDir());
        ConfigSet config = result.config();
        if (!config.valid()) {
            StringBuilder message = new StringBuilder("the config in " + options.configDir() + " is invalid:");
            for (ConfigProblem problem : config.problems()) {
                message.append(System.lineSeparator()).append("  ").append(problem);
            }
            throw new StackException(message.toString());
        }
        return config.eventTypes().size() + " event type(s), " + config.partners().size() + " partner(s) applied";
    }

    private Map<Service, URI> startServices(String bootstrap, JdbcTarget database)
            throws StackException, IOException, InterruptedException {
        for (Service service : Service.values()) {
            requireFree(options.port(service), service.module(), "--" + service.shortName() + "-port");
        }
        long begin = System.nanoTime();
        for (Service service : Service.values()) {
            checkNotStopped();
            ServiceProcess process = ServiceProcess.start(service, options.home().serviceJar(service.module()),
                    options.port(service), bootstrap, database, serviceArguments(service), options.runDir(),
                    options.logDir());
            services.add(process);
            synchronized (lock) {
                if (stopped) { // stop() may have passed the list before this one was in it
                    process.process().stop(Duration.ofSeconds(20));
                    throw new StackException("stopped while starting");
                }
            }
        }
        Map<Service, URI> ready = new EnumMap<>(Service.class);
        long deadline = begin + options.startTimeout().toNanos();
        while (ready.size() < services.size()) {
            checkNotStopped();
            for (ServiceProcess service : services) {
                if (ready.containsKey(service.service())) {
                    continue;
                }
                if (!service.process().isAlive()) {
                    throw new StackException(service.service().module() + " exited during start-up; "
                            + service.process().diagnosis());
                }
                if (service.healthy()) {
                    ready.put(service.service(), service.baseUri());
                    progress.accept(String.format("%-18s %s ready (%.1f s)", service.service().module(),
                            service.baseUri(), seconds(System.nanoTime() - begin)));
                }
            }
            if (ready.size() == services.size()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                ServiceProcess late = services.stream().filter(s -> !ready.containsKey(s.service())).findFirst()
                        .orElseThrow();
                throw new StackException(late.service().module() + " was not healthy within "
                        + options.startTimeout().toSeconds() + " s (GET " + late.baseUri() + "/actuator/health)"
                        + "; " + late.process().diagnosis());
            }
            Thread.sleep(500);
        }
        return ready;
    }

    /**
     * Settings that tie a service to THIS stack: the validator's RocksDB state lives in the data dir (its default,
     * a shared temp dir, would hold checkpoints of another stack's topics), and ingest's status links point at
     * this stack's conversion-sink.
     */
    List<String> serviceArguments(Service service) {
        return switch (service) {
            case VALIDATOR_STREAMS -> List.of("--datapost.validator.state-dir="
                    + options.dataDir().resolve("state").resolve(service.module()));
            case INGEST_API -> List.of("--datapost.ingest.status-base-url=http://127.0.0.1:"
                    + options.port(Service.CONVERSION_SINK));
            default -> List.of();
        };
    }

    private void requireServiceJars() throws StackException {
        List<String> missing = new ArrayList<>();
        for (Service service : Service.values()) {
            Path jar = options.home().serviceJar(service.module());
            if (!Files.isRegularFile(jar)) {
                missing.add(jar.toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new StackException("the services are not built (run mvn -B -q -DskipTests package in "
                    + options.home().repoRoot() + "); missing: " + String.join(", ", missing));
        }
    }

    private void stopLeftovers() {
        for (Service service : Service.values()) {
            report(ChildProcess.stopLeftover(ServiceProcess.pidFile(options.runDir(), service),
                    service.module() + "-exec.jar", Duration.ofSeconds(20)), service.module());
        }
        report(ChildProcess.stopLeftover(options.dataDir().resolve("kafka").resolve("broker.pid"),
                KafkaBroker.MAIN_CLASS, Duration.ofSeconds(30)), "Kafka broker");
        report(PostgresServer.stopLeftover(postgresDir()), "PostgreSQL");
    }

    private Path postgresDir() {
        return options.dataDir().resolve("postgres");
    }

    private void report(Optional<Long> stopped, String what) {
        stopped.ifPresent(pid -> progress.accept("stopped a " + what + " left running by an earlier stack (pid "
                + pid + ")"));
    }

    private static void requireFree(int port, String what, String option) throws StackException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new StackException("port " + port + " for " + what + " is already in use; stop whatever uses it "
                    + "or choose another with " + option);
        }
    }

    private void step(String what, Step step) throws StackException, IOException, SQLException,
            InterruptedException {
        checkNotStopped();
        long begin = System.nanoTime();
        String result = step.run();
        progress.accept(String.format("%-18s %s (%.1f s)", what, result, seconds(System.nanoTime() - begin)));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    @FunctionalInterface
    private interface Step {
        String run() throws StackException, IOException, SQLException, InterruptedException;
    }
}
