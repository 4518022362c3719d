package io.datapost.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.datapost.cli.ExitCodes;
import io.datapost.cli.Logging;
import io.datapost.cli.ShutdownHooks;
import io.datapost.cli.advertiser.SampleAdvertiser;
import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigSet;
import io.datapost.cli.stack.DatapostHome;
import io.datapost.cli.stack.Endpoints;
import io.datapost.cli.stack.LocalStack;
import io.datapost.cli.stack.Service;
import io.datapost.cli.stack.StackArgs;
import io.datapost.cli.stack.StackException;
import io.datapost.cli.stack.StackOptions;
import io.datapost.cli.stack.UpCommand;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start the local stack and the sample advertiser, post a file of leads as a partner would, "
                + "wait until every accepted lead has its outcome in PostgreSQL, print what happened, stop.",
                "Exit 0 only when every lead ingest accepted has exactly one outcome row and the payouts add up."})
public final class DemoCommand implements Callable<Integer> {

    /** The bundled synthetic leads (see LeadFileGenerator in the tests). */
    public static final String DEFAULT_LEADS = "/demo/leads.jsonl";
    static final String EVENT_TYPE = "insurance-quote";
    static final String PARTNER_ID = "demo-partner";
    static final String PARTNER_KEY = "demo-key-1";

    @Spec
    CommandSpec spec;

    @Option(names = "--leads", paramLabel = "FILE",
            description = "JSON lines, one lead each (default: the bundled 1,250 synthetic leads).")
    Path leadsFile;

    @Option(names = "--connections", defaultValue = "16",
            description = "Concurrent keep-alive connections to ingest (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--data-dir",
            description = "Where the stack lives (default: a fresh temporary dir, deleted after a passing run).")
    Path dataDir;

    @Option(names = "--wait", defaultValue = "180",
            description = "Seconds to wait for the outcomes to reach PostgreSQL (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Option(names = "--keep-data", description = "Keep the temporary data dir (logs) even when the run passes.")
    boolean keepData;

    @Option(names = "--keep-running", description = {"After the report, keep the stack and the sample advertiser "
            + "running with the demo data until Ctrl-C, and print their endpoints (to try replay, reconcile, "
            + "config apply on real data). Keeps the data dir."})
    boolean keepRunning;

    @Mixin
    StackArgs stackArgs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long begin = System.nanoTime();
        List<String> leads;
        try {
            leads = readLeads();
        } catch (IOException e) {
            err.println("datapost demo: cannot read the leads: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("datapost-demo-") : dataDir;
        DatapostHome home = DatapostHome.detect();
        StackOptions options = stackArgs.toOptions(home, dir).build();
        Logging.toFile(options.logDir());
        out.printf("datapost demo: %d leads from %s, %d connection(s), data in %s%n", leads.size(),
                leadsFile == null ? "the bundled demo file" : leadsFile, connections, options.dataDir());
        out.flush();

        SampleAdvertiser advertiser;
        try {
            advertiser = SampleAdvertiser.start(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    SampleAdvertiser.DEFAULT_PORT), SampleAdvertiser.Behaviour.realistic());
        } catch (IOException e) {
            err.println("datapost demo: cannot start the sample advertiser on port " + SampleAdvertiser.DEFAULT_PORT
                    + " (the event type calls it there): " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        LocalStack stack = new LocalStack(options, line -> {
            out.println("  " + line);
            out.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stack.stop();
            advertiser.close();
            stopped.countDown();
        }, "datapost-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit;
        try {
            out.println("  sample advertiser  " + advertiser.leadsUri());
            Endpoints endpoints = stack.start();
            out.printf("  stack ready in %.1f s%n", endpoints.startup().toMillis() / 1000.0);
            exit = run(endpoints, leads, advertiser, out, err);
            printPeakMemory(stack, out);
            if (keepRunning) {
                out.println();
                out.printf("datapost demo: %s; the stack keeps running with the demo data%n",
                        exit == ExitCodes.OK ? "passed" : "FAILED");
                out.println("  " + String.format("%-18s %s", "sample advertiser", advertiser.leadsUri()));
                UpCommand.printEndpoints(out, endpoints);
                stopped.await(); // until Ctrl-C / SIGTERM runs the hook
            }
        } catch (StackException e) {
            err.println("datapost demo: the stack did not start: " + e.getMessage());
            exit = ExitCodes.UNAVAILABLE;
        } finally {
            out.println();
            out.println("stopping...");
            out.flush();
            stack.stop();
            advertiser.close();
            ShutdownHooks.remove(hook);
        }
        out.printf("datapost demo: %s in %.1f s%n", exit == ExitCodes.OK ? "passed" : "FAILED",
                (System.nanoTime() - begin) / 1e9);
        if (temporary && exit == ExitCodes.OK && !keepData && !keepRunning) {
            deleteRecursively(dir);
        } else {
            out.println("logs: " + options.logDir());
        }
        out.flush();
        return exit;
    }

    /** Peak resident memory of every JVM of the run (the stack's children and this one). */
    private static void printPeakMemory(LocalStack stack, PrintWriter out) {
        java.util.Map<String, Long> peaks = new java.util.LinkedHashMap<>(stack.peakResidentKiB());
        LocalStack.peakResidentKiB(ProcessHandle.current().pid()).ifPresent(kib -> peaks.put("datapost (this JVM)", kib));
        if (peaks.isEmpty()) {
            return;
        }
        out.println();
        out.println("peak resident memory (VmHWM)");
        long total = 0;
        for (var peak : peaks.entrySet()) {
            out.printf("  %-22s %6d MiB%n", peak.getKey(), peak.getValue() / 1024);
            total += peak.getValue();
        }
        out.printf("  %-22s %6d MiB  (sum of the JVMs' peaks; PostgreSQL not included)%n", "all JVMs", total / 1024);
        out.flush();
    }

    private int run(Endpoints endpoints, List<String> leads, SampleAdvertiser advertiser, PrintWriter out,
            PrintWriter err) throws InterruptedException, SQLException {
        Money payout = expectedPayout(err);
        String runId = Long.toString(System.currentTimeMillis(), 36);
        out.println();
        out.printf("posting %d leads to %s/v1/leads/%s as %s%n", leads.size(), endpoints.service(Service.INGEST_API),
                EVENT_TYPE, PARTNER_ID);
        out.flush();
        long postBegin = System.nanoTime();
        List<Posting> postings;
        try (LeadPoster poster = new LeadPoster(endpoints.service(Service.INGEST_API)
                .resolve("/v1/leads/" + EVENT_TYPE), PARTNER_ID, PARTNER_KEY, connections)) {
            int step = Math.max(1, leads.size() / 4);
            postings = poster.postAll(leads, "demo-" + runId, done -> {
                if (done % step == 0 && done < leads.size()) {
                    out.printf("  %d/%d posted%n", done, leads.size());
                    out.flush();
                }
            });
        }
        double postSeconds = (System.nanoTime() - postBegin) / 1e9;
        Set<String> submissions = new LinkedHashSet<>();
        postings.stream().filter(Posting::acceptedByIngest).forEach(p -> submissions.add(p.submissionId()));
        out.printf("  posted %d in %.1f s (%.0f/s); %d accepted by ingest%n", postings.size(), postSeconds,
                postings.size() / Math.max(postSeconds, 0.001), submissions.size());

        try (OutcomeStore store = new OutcomeStore(endpoints.database())) {
            awaitOutcomes(store, submissions, out);
            DemoReport report = new DemoReport(postings, store.outcomes(submissions),
                    store.verdictCounts(submissions), store.payoutTotals(submissions), advertiser.stats(),
                    payout.amount(), payout.currency());
            return report.print(out) ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
        }
    }

    /**
     * Polls PostgreSQL until every submission has an outcome row and every ACCEPTED one its payout row, within
     * the bound; then a short settle so that a late second row would still be seen by the checks.
     */
    private void awaitOutcomes(OutcomeStore store, Set<String> submissions, PrintWriter out)
            throws InterruptedException {
        out.printf("%nwaiting up to %d s for %d outcome(s) in PostgreSQL%n", waitSeconds, submissions.size());
        out.flush();
        long begin = System.nanoTime();
        long deadline = begin + Duration.ofSeconds(waitSeconds).toNanos();
        long nextLine = begin;
        OutcomeStore.Progress progress = new OutcomeStore.Progress(0, 0, 0);
        while (System.nanoTime() < deadline && !submissions.isEmpty()) {
            try {
                progress = store.progress(submissions);
            } catch (SQLException e) {
                // the sink may still be creating its tables; the bound decides
            }
            boolean complete = progress.submissions() >= submissions.size() && progress.payouts() >= progress.accepted();
            if (complete || System.nanoTime() >= nextLine) {
                out.printf("  %d/%d outcome row(s), %d payout row(s) after %.0f s%n", progress.submissions(),
                        submissions.size(), progress.payouts(), (System.nanoTime() - begin) / 1e9);
                out.flush();
                nextLine = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            }
            if (complete) {
                Thread.sleep(2_000);
                return;
            }
            Thread.sleep(500);
        }
        if (!submissions.isEmpty()) {
            out.printf("  gave up waiting after %d s%n", waitSeconds);
        }
    }

    record Money(BigDecimal amount, String currency) {
    }

    /** The demo partner's FIXED payout for the event type, from the config dir the stack applied. */
    private Money expectedPayout(PrintWriter err) {
        Path configDir = stackArgs.toOptions(DatapostHome.detect(), Path.of(".")).build().configDir();
        ConfigSet config = new ConfigLoader().load(configDir);
        for (var partner : config.partners()) {
            if (!PARTNER_ID.equals(partner.getId())) {
                continue;
            }
            for (PayoutTerm term : partner.getPayouts()) {
                if (EVENT_TYPE.equals(term.getEventTypeId()) && term.getKind() == PayoutTermKind.FIXED) {
                    return new Money(term.getValue(), term.getCurrency());
                }
            }
        }
        err.println("datapost demo: no FIXED payout of " + PARTNER_ID + " for " + EVENT_TYPE + " in " + configDir
                + "; checking against 4.00 USD");
        return new Money(new BigDecimal("4.00"), "USD");
    }

    private List<String> readLeads() throws IOException {
        String text;
        if (leadsFile != null) {
            text = Files.readString(leadsFile, StandardCharsets.UTF_8);
        } else {
            try (InputStream in = DemoCommand.class.getResourceAsStream(DEFAULT_LEADS)) {
                if (in == null) {
                    throw new IOException(DEFAULT_LEADS + " is missing from the classpath");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        List<String> leads = text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (leads.isEmpty()) {
            throw new IOException("no leads in " + (leadsFile == null ? DEFAULT_LEADS : leadsFile));
        }
        return leads;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
