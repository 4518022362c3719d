package io.datapost.schemas.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Waits until every partition of some topics has a leader whose log answers (an end-offset query, which needs the
 * leader's log online as a write does). A created topic is not yet writable: until its
 * leaders are elected a producer gets retriable errors, and an idempotent producer that meets them while
 * batches are in flight can fail a batch (OutOfOrderSequence) that is then simply missing. Whoever creates
 * topics and writes at once (the local stack, tests) waits here first.
 */
public final class TopicLeaders {

    private static final Duration POLL = Duration.ofMillis(100);

    private TopicLeaders() {
    }

    /**
     * Every topic of the registry ({@link Topics#all()}) on the cluster at {@code bootstrapServers}.
     *
     * @throws IllegalStateException when some partition has no leader after {@code timeout}, or when interrupted
     */
    public static void awaitAll(String bootstrapServers, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            await(admin, Topics.all().stream().map(Topic::name).toList(), timeout);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topic leaders", e);
        }
    }

    /**
     * @throws TimeoutException when some partition still has no leader after {@code timeout}, naming it
     */
    public static void await(Admin admin, Collection<String> topics, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String waitingFor = "metadata of " + topics;
        while (true) {
            try {
                Collection<TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get().values();
                waitingFor = firstWithoutLeader(descriptions);
                if (waitingFor == null) {
                    // the metadata names leaders before the leader's own log is online: a write then still gets
                    // NOT_LEADER_OR_FOLLOWER. Asking each leader for its end offset needs that log (as a write does).
                    admin.listOffsets(latestOfEveryPartition(descriptions)).all().get();
                    return;
                }
            } catch (ExecutionException e) {
                waitingFor = topics + " (" + e.getCause() + ")"; // not known to the broker yet: ask again
            }
            if (System.nanoTime() >= deadline) {
                throw new TimeoutException("no leader for " + waitingFor + " after " + timeout);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static Map<TopicPartition, OffsetSpec> latestOfEveryPartition(Collection<TopicDescription> descriptions) {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        for (TopicDescription description : descriptions) {
            for (TopicPartitionInfo partition : description.partitions()) {
                query.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
            }
        }
        return query;
    }

    private static String firstWithoutLeader(Collection<TopicDescription> descriptions) {
        for (TopicDescription description : descriptions) {
            List<TopicPartitionInfo> partitions = description.partitions();
            for (TopicPartitionInfo partition : partitions) {
                if (partition.leader() == null || partition.leader().isEmpty()) {
                    return description.name() + "-" + partition.partition();
                }
            }
        }
        return null;
    }
}
