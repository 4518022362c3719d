package io.datapost.cli.stack;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.datapost.cli.ExitCodes;
import io.datapost.cli.Logging;
import io.datapost.cli.ShutdownHooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run the whole stack locally: a Kafka KRaft broker, PostgreSQL, the topics, the config and "
                + "the four services. Blocks until Ctrl-C, then stops everything.",
                "With --bootstrap-servers and --jdbc-url, uses those instead of starting a broker and a database."})
public final class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = ".datapost",
            description = "Broker, database and logs live here, reused across runs (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--no-services", description = "Start only Kafka, PostgreSQL, topics and config.")
    boolean noServices;

    @Mixin
    StackArgs stackArgs;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        StackOptions options = stackArgs.toOptions(DatapostHome.detect(), dataDir)
                .startServices(!noServices).build();
        Logging.toFile(options.logDir());
        out.println("datapost: starting the local stack in " + options.dataDir());
        out.flush();
        LocalStack stack = new LocalStack(options, line -> {
            out.println("  " + line);
            out.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println();
            out.println("datapost: stopping...");
            out.flush();
            stack.stop();
            out.println("datapost: stopped");
            out.flush();
            stopped.countDown();
        }, "datapost-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Endpoints endpoints;
        try {
            endpoints = stack.start();
        } catch (StackException e) {
            if (!ShutdownHooks.remove(hook)) {
                stopped.await(); // Ctrl-C during start-up: the hook is stopping what had started
                return ExitCodes.UNAVAILABLE;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("datapost: the stack did not start: " + e.getMessage());
            err.println("datapost: logs are in " + options.logDir());
            err.flush();
            return ExitCodes.UNAVAILABLE;
        }
        printEndpoints(out, endpoints);
        stopped.await(); // until Ctrl-C / SIGTERM runs the hook
        return ExitCodes.OK;
    }

    /** Prints where the running stack's parts listen, then that Ctrl-C stops it. */
    public static void printEndpoints(PrintWriter out, Endpoints endpoints) {
        out.println();
        out.printf("datapost: ready in %.1f s%n", endpoints.startup().toMillis() / 1000.0);
        out.printf("  %-18s %s%n", "Kafka bootstrap", endpoints.bootstrapServers());
        out.printf("  %-18s %s (user %s)%n", "PostgreSQL", endpoints.database().url(), endpoints.database().user());
        endpoints.services().forEach((service, uri) -> out.printf("  %-18s %s%s%n", service.module(), uri,
                switch (service) {
                    case INGEST_API -> "  (POST /v1/leads/{eventType})";
                    case CONVERSION_SINK -> "  (GET /v1/leads/{submissionId})";
                    default -> "";
                }));
        out.printf("  %-18s %s%n", "logs", endpoints.logDir());
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }
}
