package io.datapost.cli.advertiser;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.datapost.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "advertiser", mixinStandardHelpOptions = true,
        description = "Run the sample advertiser alone (the endpoint config/event-types/insurance-quote.yaml calls).")
public final class AdvertiserCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "8099", description = "(default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "(default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--reliable", description = "Never answer 503 nor slowly.")
    boolean reliable;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SampleAdvertiser advertiser = SampleAdvertiser.start(new InetSocketAddress(host, port),
                reliable ? SampleAdvertiser.Behaviour.reliable() : SampleAdvertiser.Behaviour.realistic());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SampleAdvertiser.Stats stats = advertiser.stats();
            advertiser.close();
            out.printf("%nsample advertiser stopped: %d request(s), %d distinct key(s), %d accepted, rejected %s, "
                    + "%d answered 503%n", stats.requests(), stats.distinctKeys(), stats.accepted(),
                    stats.rejectedByReason(), stats.unavailable());
            out.flush();
            stopped.countDown();
        }, "advertiser-shutdown"));
        out.println("sample advertiser: POST " + advertiser.leadsUri() + "  (stats: GET http://" + host + ":"
                + advertiser.port() + SampleAdvertiser.STATS_PATH + "); Ctrl-C to stop");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
