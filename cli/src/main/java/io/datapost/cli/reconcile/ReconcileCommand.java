package io.datapost.cli.reconcile;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.datapost.cli.ExitCodes;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code datapost reconcile}: do the database tables conversion-sink wrote agree with the topics the validator
 * wrote? Per submission it compares the current outcome (revision and verdict), the conversions that stand and
 * the sum of the payout events per currency, and checks on the topics that this sum is the current payout.
 * Exit 0 when everything agrees, 1 when anything does not.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Compare the outcome, conversion and payout topics (committed records, read to their end) "
                + "with conversion-sink's database, submission by submission; exit 1 on any disagreement.")
public final class ReconcileCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--jdbc-url", required = true,
            description = "conversion-sink's database, e.g. jdbc:postgresql://localhost:5432/datapost.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", defaultValue = "${env:DATAPOST_JDBC_USER:-datapost}",
            description = "Database user (default: $DATAPOST_JDBC_USER, else datapost).")
    String jdbcUser;

    @Option(names = "--jdbc-password", defaultValue = "${env:DATAPOST_JDBC_PASSWORD:-}",
            description = "Database password (default: $DATAPOST_JDBC_PASSWORD; prefer it: arguments show in ps).")
    String jdbcPassword;

    @Option(names = "--sink-group", defaultValue = "datapost-sink",
            description = "conversion-sink's consumer group, to tell lag from loss (default: ${DEFAULT-VALUE}).")
    String sinkGroup;

    @Option(names = "--max-listed", defaultValue = "100",
            description = "Disagreements printed at most (all are counted; default: ${DEFAULT-VALUE}).")
    int maxListed;

    @Option(names = "--timeout", defaultValue = "120",
            description = "Seconds allowed to read each topic to its end (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws SQLException {
        PrintWriter out = spec.commandLine().getOut();
        Duration timeout = Duration.ofSeconds(timeoutSeconds);

        TopicBooks.Result topics = new TopicBooks(bootstrapServers, timeout).read();
        out.printf("topics:   %d records (%d undecodable) in %s, %s, %s, %s at %s: %d submissions%n",
                topics.records(), topics.undecodable(), Topics.LEAD_OUTCOMES.name(), Topics.CONVERSIONS.name(),
                Topics.CONVERSION_REVERSALS.name(), Topics.PAYOUTS.name(), bootstrapServers, topics.books().size());
        Books database = new DatabaseBooks(jdbcUrl, jdbcUser, jdbcPassword == null ? "" : jdbcPassword).read();
        out.printf("database: %s (user %s): %d submissions%n", jdbcUrl, jdbcUser, database.size());

        List<Reconciliation.Disagreement> disagreements = Reconciliation.compare(topics.books(), database);
        disagreements.stream().limit(Math.max(0, maxListed)).forEach(d -> out.println("DISAGREE " + d));
        if (disagreements.size() > maxListed) {
            out.printf("... and %d more%n", disagreements.size() - maxListed);
        }
        Map<String, Long> byAspect = new TreeMap<>();
        disagreements.forEach(d -> byAspect.merge(d.aspect(), 1L, Long::sum));
        long submissions = disagreements.stream().map(Reconciliation.Disagreement::submissionId).distinct().count();
        out.printf("%s: %d submissions checked, %d disagree%s%n", disagreements.isEmpty() ? "OK" : "MISMATCH",
                unionSize(topics.books(), database), submissions, byAspect.isEmpty() ? "" : " " + byAspect);
        if (!disagreements.isEmpty()) {
            long behind = partitionsBehind(topics.lastRecordOffsets(), timeout);
            if (behind > 0) {
                out.printf("note: consumer group %s has not stored the last records of %d partition(s) yet: some "
                        + "disagreements may only be lag; run again when it caught up%n", sinkGroup, behind);
            }
        }
        printTotals(out, topics.books(), database);
        out.flush();
        return disagreements.isEmpty() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }

    /** Current verdicts and net payouts per partner, as each side sums them. */
    private static void printTotals(PrintWriter out, Books topics, Books database) {
        out.printf("%-32s %18s %18s%n", "totals", "topics", "database");
        Map<String, Long> verdictsT = topics.verdictCounts();
        Map<String, Long> verdictsD = database.verdictCounts();
        new TreeSet<>(union(verdictsT.keySet(), verdictsD.keySet())).forEach(verdict -> out.printf(
                "  %-30s %18d %18d%n", "verdict " + verdict, verdictsT.getOrDefault(verdict, 0L),
                verdictsD.getOrDefault(verdict, 0L)));
        Map<String, BigDecimal> paidT = topics.netPaidByPartner();
        Map<String, BigDecimal> paidD = database.netPaidByPartner();
        new TreeSet<>(union(paidT.keySet(), paidD.keySet())).forEach(key -> out.printf("  %-30s %18s %18s%n",
                "net paid " + key, paidT.getOrDefault(key, BigDecimal.ZERO).toPlainString(),
                paidD.getOrDefault(key, BigDecimal.ZERO).toPlainString()));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static long unionSize(Books a, Books b) {
        return Stream.concat(a.submissionIds().stream(), b.submissionIds().stream()).distinct()
                .count();
    }

    /**
     * Partitions whose last record read the sink's group has not committed yet (its committed offset is the next
     * record to read: at most that record's offset); -1 when that cannot be told.
     */
    private long partitionsBehind(Map<TopicPartition, Long> lastRecords, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(sinkGroup)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return lastRecords.entrySet().stream().filter(last -> {
                OffsetAndMetadata offset = committed.get(last.getKey());
                return offset == null || offset.offset() <= last.getValue();
            }).count();
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
