package io.datapost.forwarder.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.datapost.forwarder.service.LeadForwarder.Ticket;

class PartitionOffsetsTest {

    private final PartitionOffsets offsets = new PartitionOffsets();

    @Test
    void nothingIsCommittableBeforeTheFirstLead() {
        assertThat(offsets.committable()).isEqualTo(-1);
        assertThat(offsets.toCommit()).isEqualTo(-1);
    }

    @Test
    void theCommitStopsAtTheLowestUnfinishedLeadWhateverFinishedAfterIt() {
        // Given leads 10..14
        for (long o = 10; o <= 14; o++) {
            offsets.taken(o, new Ticket());
        }
        // When all but 11 finish
        offsets.finished(10);
        offsets.finished(12);
        offsets.finished(13);
        offsets.finished(14);
        // Then a crash may repeat 11..14 only
        assertThat(offsets.committable()).isEqualTo(11);
        // and once 11 finishes everything is committable
        offsets.finished(11);
        assertThat(offsets.committable()).isEqualTo(15);
        assertThat(offsets.pending()).isZero();
    }

    @Test
    void gapsInOffsetsAreFine() {
        // compaction or transaction markers leave gaps
        offsets.taken(3, new Ticket());
        offsets.taken(7, new Ticket());
        offsets.finished(3);
        assertThat(offsets.committable()).isEqualTo(7);
        offsets.finished(7);
        assertThat(offsets.committable()).isEqualTo(8);
    }

    @Test
    void aPositionIsSentForCommitOnceUnlessTheCommitFailed() {
        offsets.taken(0, new Ticket());
        offsets.finished(0);
        assertThat(offsets.toCommit()).isEqualTo(1);
        offsets.commitSent(1);
        assertThat(offsets.toCommit()).isEqualTo(-1);
        offsets.commitFailed();
        assertThat(offsets.toCommit()).isEqualTo(1);
    }

    @Test
    void finishingTwiceOrAfterRetirementCountsOnce() {
        offsets.taken(0, new Ticket());
        offsets.taken(1, new Ticket());
        assertThat(offsets.finished(0)).isTrue();
        assertThat(offsets.finished(0)).isFalse();
        assertThat(offsets.retire()).isEqualTo(1);
        assertThat(offsets.finished(1)).isFalse();
        assertThat(offsets.pending()).isZero();
    }

    @Test
    void offsetsMustBeTakenInOrder() {
        offsets.taken(5, new Ticket());
        assertThatThrownBy(() -> offsets.taken(4, new Ticket())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void abandoningReachesEveryUnfinishedTicket() {
        Ticket a = new Ticket();
        Ticket b = new Ticket();
        offsets.taken(0, a);
        offsets.taken(1, b);
        offsets.finished(0);
        offsets.abandonAll();
        assertThat(a.abandoned()).isFalse();
        assertThat(b.abandoned()).isTrue();
        assertThat(offsets.anyInCall()).isFalse();
    }

    @Test
    void aSpilledLeadStaysUnfinishedOutOfMemoryUntilRevivedAndFinished() {
        // Given leads 0..3, lead 1 spilled
        for (long o = 0; o < 4; o++) {
            offsets.taken(o, new Ticket());
        }
        assertThat(offsets.spill(1, new PartitionOffsets.Spilled("dead", 2))).isTrue();

        // Then it holds the commit, is not in memory, and cannot be finished by a stale completion
        offsets.finished(0);
        offsets.finished(2);
        offsets.finished(3);
        assertThat(offsets.finished(1)).isFalse();
        assertThat(offsets.committable()).isEqualTo(1);
        assertThat(offsets.pending()).isZero();
        assertThat(offsets.lowestSpilled()).isEqualTo(1);
        assertThat(offsets.spilledEventTypes()).containsExactly("dead");

        // When it is read again, it is revived where it left off, once
        assertThat(offsets.revive(0, new Ticket())).as("finished: not revived").isNull();
        assertThat(offsets.revive(1, new Ticket())).isEqualTo(new PartitionOffsets.Spilled("dead", 2));
        assertThat(offsets.revive(1, new Ticket())).isNull();
        assertThat(offsets.pending()).isEqualTo(1);
        assertThat(offsets.hasSpilled()).isFalse();

        // and finishing it releases the commit
        assertThat(offsets.finished(1)).isTrue();
        assertThat(offsets.committable()).isEqualTo(4);
    }

    @Test
    void onlyUnfinishedLeadsCanBeSpilledAndRetirementCountsOnlyThoseInMemory() {
        offsets.taken(0, new Ticket());
        offsets.taken(1, new Ticket());
        offsets.taken(2, new Ticket());
        offsets.finished(0);
        assertThat(offsets.spill(0, new PartitionOffsets.Spilled("x", 1))).isFalse();
        assertThat(offsets.spill(1, new PartitionOffsets.Spilled("x", 1))).isTrue();
        assertThat(offsets.retire()).isEqualTo(1);
        assertThat(offsets.revive(1, new Ticket())).isNull();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void committablePositionAlwaysEqualsTheModelUnderRandomInterleavings(long seed) {
        // Given a simple model: the committed position is the smallest unfinished offset, else next
        Random random = new Random(seed);
        TreeSet<Long> model = new TreeSet<>();
        List<Long> open = new ArrayList<>();
        long next = 0;
        long lastCommittable = -1;
        for (int step = 0; step < 20_000; step++) {
            if (open.isEmpty() || random.nextInt(3) > 0) {
                long offset = next + random.nextInt(3); // sometimes gaps
                offsets.taken(offset, new Ticket());
                model.add(offset);
                open.add(offset);
                next = offset + 1;
            } else {
                long offset = open.remove(random.nextInt(open.size()));
                assertThat(offsets.finished(offset)).isTrue();
                model.remove(offset);
            }
            long expected = model.isEmpty() ? next : model.first();
            long committable = offsets.committable();
            // Then it matches the model, never moves back, and never passes an unfinished lead
            assertThat(committable).isEqualTo(expected);
            assertThat(committable).isGreaterThanOrEqualTo(lastCommittable);
            lastCommittable = committable;
        }
        assertThat(offsets.pending()).isEqualTo(model.size());
    }

    @Test
    void finishingFromManyThreadsLosesNothing() throws Exception {
        // Given 50,000 leads finished concurrently by 4 threads in random order
        int leads = 50_000;
        for (long o = 0; o < leads; o++) {
            offsets.taken(o, new Ticket());
        }
        List<Long> order = new ArrayList<>();
        for (long o = 0; o < leads; o++) {
            order.add(o);
        }
        Collections.shuffle(order, new Random(9));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            List<Long> slice = order.subList(t * leads / 4, (t + 1) * leads / 4);
            pool.execute(() -> {
                slice.forEach(offsets::finished);
                done.countDown();
            });
        }
        // When they are done
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        // Then all is committable
        assertThat(offsets.pending()).isZero();
        assertThat(offsets.committable()).isEqualTo(leads);
    }
}
