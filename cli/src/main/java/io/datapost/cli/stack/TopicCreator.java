package io.datapost.cli.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/**
 * Creates every topic of the registry ({@link Topics#all()}); topics that already exist are left as they are.
 * Returns once every partition has a leader, so the services started next can write at once.
 */
final class TopicCreator {

    private TopicCreator() {
    }

    /** @return the names of the topics created now (the others existed) */
    static List<String> createAll(String bootstrapServers, short replicationFactor, Duration timeout)
            throws StackException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NewTopic> wanted = new ArrayList<>();
        for (Topic<?, ?> topic : Topics.all()) {
            wanted.add(topic.newTopic(replicationFactor));
        }
        List<String> created = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 60_000)))) {
            while (!wanted.isEmpty()) {
                CreateTopicsResult result = admin.createTopics(wanted);
                List<NewTopic> retry = new ArrayList<>();
                for (NewTopic topic : wanted) {
                    try {
                        result.values().get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                        created.add(topic.name());
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof TopicExistsException) {
                            continue;
                        }
                        if (e.getCause() instanceof RetriableException && System.nanoTime() < deadline) {
                            retry.add(topic);
                            continue;
                        }
                        throw new StackException("cannot create topic " + topic.name() + ": " + e.getCause(), e);
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new StackException("creating topic " + topic.name() + " timed out", e);
                    }
                }
                wanted = retry;
                if (!wanted.isEmpty()) {
                    Thread.sleep(250);
                }
            }
            TopicLeaders.await(admin, Topics.all().stream().map(Topic::name).toList(),
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StackException("topics are not ready: " + e.getMessage(), e);
        }
        return created;
    }
}
