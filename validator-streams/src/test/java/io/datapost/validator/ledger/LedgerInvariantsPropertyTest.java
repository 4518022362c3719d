package io.datapost.validator.ledger;

import static io.datapost.validator.Fixtures.json;
import static io.datapost.validator.Fixtures.lead;
import static io.datapost.validator.ledger.LedgerDriver.CHECK_INTERVAL;
import static io.datapost.validator.ledger.LedgerDriver.GRACE;
import static io.datapost.validator.ledger.LedgerDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.Fixtures;

/**
 * Property: whatever arrives in whatever order (duplicate leads, attempts, final answers that disagree, stale
 * answers, answers after the deadline, rule and payout-term changes, reclassify commands), after every single
 * input record, for every submission:
 * <ol>
 * <li>its outcome revisions are 1, 2, 3... each once, in order, and only for a submission whose lead arrived;</li>
 * <li>the sum of its payout events is its current payout in the current payout's currency, and 0 in every
 * other currency (so: 0 or the current payout);</li>
 * <li>exactly one conversion stands (recorded and not reversed) when the current verdict is ACCEPTED, none
 * otherwise, and it carries the current amount; a reversal names a conversion that stood;</li>
 * <li>a submission with its lead and a final answer is decided by an answer (never left NO_RESPONSE), and one
 * whose deadline passed without a final answer is NO_RESPONSE.</li>
 * </ol>
 * Each seed is one random sequence; a failure names the seed and prints the sequence.
 */
class LedgerInvariantsPropertyTest {

    private static final int STEPS = 160;
    private static final String[] SUBMISSIONS = {"s-a", "s-b", "s-c", "s-d", "s-e"};
    private static final String[] BODIES = {
        "{\"status\":\"accepted\",\"lead_id\":\"L-1\",\"price\":\"25.00\"}",
        "{\"status\":\"accepted\",\"lead_id\":\"L-2\",\"price\":\"30.35\"}",
        "{\"status\":\"accepted\",\"code\":2000}",
        "{\"status\":\"ok\",\"code\":2000,\"price\":\"7.77\"}",
        "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}",
    };
    /** receivedAt + timeout x attempts + grace. */
    private static final long DEADLINE_AFTER =
            (long) Fixtures.TIMEOUT_MILLIS * Fixtures.MAX_ATTEMPTS + GRACE.toMillis();

    @TempDir
    Path stateDirs;

    /**
     * The driver commits (flushes RocksDB) after every record: on a RAM disk, when there is one, the 30 x 160
     * records take seconds instead of a minute. Deleted by the {@link TempDir} clean-up either way.
     */
    private Path stateBase() throws java.io.IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            if (ramDir == null) {
                ramDir = Files.createTempDirectory(shm, "datapost-ledger-property-");
            }
            return ramDir;
        }
        return stateDirs;
    }

    private Path ramDir;

    @org.junit.jupiter.api.AfterEach
    void deleteRamDir() throws java.io.IOException {
        if (ramDir != null) {
            try (var paths = Files.walk(ramDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            ramDir = null;
        }
    }

    static LongStream seeds() {
        return LongStream.range(0, 30);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHoldAfterEveryRecordOfARandomSequence(long seed) throws Exception {
        Random random = new Random(seed);
        List<String> log = new ArrayList<>();
        try (LedgerDriver ledger = new LedgerDriver(Files.createTempDirectory(stateBase(), "seed"));
                Model model = new Model()) {
            ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, eventType(0), T0);
            ledger.partners.pipeInput(Fixtures.PARTNER, partner(0), T0);
            long now = T0.toEpochMilli();
            for (int step = 0; step < STEPS; step++) {
                String id = SUBMISSIONS[random.nextInt(SUBMISSIONS.length)];
                int dice = random.nextInt(100);
                // mostly forward in time, sometimes far (past deadlines), sometimes a little back
                now += random.nextInt(10) == 0 ? DEADLINE_AFTER / 2 + random.nextInt((int) DEADLINE_AFTER)
                        : random.nextInt(10) == 0 ? -random.nextInt(5_000) : random.nextInt(3_000);
                Instant at = Instant.ofEpochMilli(Math.max(now, T0.toEpochMilli()));
                if (dice < 22) {
                    log.add(step + ": lead " + id + " @" + at);
                    ledger.leads.pipeInput(id, lead(id, at), at);
                    model.lead(id, at.toEpochMilli());
                    model.seen(at);
                } else if (dice < 62) {
                    int attempt = 1 + random.nextInt(5);
                    boolean isFinal = random.nextInt(4) != 0;
                    int kind = random.nextInt(BODIES.length + 2);
                    log.add(step + ": response " + id + " attempt " + attempt + (isFinal ? " final" : "")
                            + " kind " + kind + " @" + at);
                    ledger.responses.pipeInput(id, response(id, attempt, isFinal, kind), at);
                    model.seen(at);
                    if (isFinal) {
                        model.finalAnswer(id);
                    }
                } else if (dice < 75) {
                    log.add(step + ": reclassify " + id + " @" + at);
                    ledger.reclassify(id, "replay-" + step, at);
                    model.seen(at);
                } else if (dice < 83) {
                    int variant = random.nextInt(4);
                    log.add(step + ": event type variant " + variant);
                    ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, eventType(variant), at);
                } else if (dice < 90) {
                    int variant = random.nextInt(4);
                    log.add(step + ": payout term variant " + variant);
                    ledger.partners.pipeInput(Fixtures.PARTNER, partner(variant), at);
                } else {
                    log.add(step + ": clock @" + at);
                    ledger.advanceStreamTimeTo(at);
                    model.seen(at);
                }
                model.read(ledger);
                try {
                    model.check();
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + " broke after:\n  " + String.join("\n  ", log), e);
                }
            }
        }
    }

    private static io.datapost.schemas.AdvertiserResponse response(String id, int attempt, boolean isFinal,
            int kind) {
        if (kind == BODIES.length) {
            return Fixtures.response(id, attempt, isFinal, FailureClass.TIMEOUT).build();
        }
        if (kind == BODIES.length + 1) {
            return json(id, attempt, isFinal, 503, "busy").build();
        }
        return json(id, attempt, isFinal, 200, BODIES[kind]).build();
    }

    /** Rule and extraction variants a replay might be run after. */
    private static EventType eventType(int variant) {
        EventType.Builder type = Fixtures.insuranceQuote();
        return switch (variant) {
            case 1 -> type.setRule(VerdictRule.newBuilder().setAcceptStatuses(List.of(200)).setJsonPath("$.code")
                    .setEquals("2000").build()).build();
            case 2 -> type.setExtraction(Extraction.newBuilder().setOrderId("$.code").setAmount("$.price")
                    .setReason("$.reason").build()).build();
            case 3 -> type.setDefaultPrice(null).build();
            default -> type.build();
        };
    }

    private static Partner partner(int variant) {
        Partner partner = switch (variant) {
            case 1 -> Fixtures.partner(PayoutTermKind.PERCENT, "10");
            case 2 -> Fixtures.partner(PayoutTermKind.FIXED, "6.00");
            case 3 -> Fixtures.partner(PayoutTermKind.PERCENT, "12.5");
            default -> Fixtures.partner(PayoutTermKind.FIXED, "4.00");
        };
        if (variant == 3) {
            PayoutTerm term = partner.getPayouts().get(0);
            term.setCurrency("EUR");
        }
        return partner;
    }

    /** What the output topics say so far, per submission, and what must hold of it. */
    private static final class Model implements AutoCloseable {
        long streamTime;
        final Map<String, Long> leadReceivedAt = new HashMap<>();
        final Set<String> finalAnswered = new HashSet<>();
        final Map<String, List<LeadOutcome>> outcomes = new HashMap<>();
        final Map<String, Map<String, BigDecimal>> paid = new HashMap<>();
        final Map<String, Map<String, ConversionRecorded>> standing = new HashMap<>();
        final Set<String> conversionIds = new HashSet<>();
        final Set<String> payoutIds = new HashSet<>();

        /** Stream time is the highest timestamp of the ledger's own input; config records do not move it. */
        void seen(Instant timestamp) {
            streamTime = Math.max(streamTime, timestamp.toEpochMilli());
        }

        void lead(String id, long receivedAt) {
            leadReceivedAt.putIfAbsent(id, receivedAt);
        }

        void finalAnswer(String id) {
            finalAnswered.add(id);
        }

        void read(LedgerDriver ledger) {
            for (LeadOutcome outcome : ledger.outcomes.readValuesToList()) {
                outcomes.computeIfAbsent(outcome.getSubmissionId(), k -> new ArrayList<>()).add(outcome);
            }
            for (ConversionRecorded conversion : ledger.conversions.readValuesToList()) {
                assertThat(conversionIds.add(conversion.getConversionId())).as("conversion id unique").isTrue();
                standing.computeIfAbsent(conversion.getSubmissionId(), k -> new TreeMap<>())
                        .put(conversion.getConversionId(), conversion);
            }
            for (ConversionReversed reversal : ledger.reversals.readValuesToList()) {
                assertThat(standing.getOrDefault(reversal.getSubmissionId(), Map.of()))
                        .as("a reversal names a standing conversion").containsKey(reversal.getConversionId());
                standing.get(reversal.getSubmissionId()).remove(reversal.getConversionId());
            }
            for (PayoutEvent payout : ledger.payouts.readValuesToList()) {
                assertThat(payoutIds.add(payout.getPayoutId())).as("payout id unique").isTrue();
                paid.computeIfAbsent(payout.getSubmissionId(), k -> new HashMap<>())
                        .merge(payout.getCurrency(), payout.getAmount(), BigDecimal::add);
            }
        }

        void check() {
            Set<String> all = new LinkedHashSet<>(outcomes.keySet());
            all.addAll(paid.keySet());
            all.addAll(standing.keySet());
            all.addAll(leadReceivedAt.keySet());
            for (String id : all) {
                List<LeadOutcome> revisions = outcomes.getOrDefault(id, List.of());
                assertThat(revisions).extracting(LeadOutcome::getRevision).as("revisions of %s", id)
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, revisions.size()).boxed().toList());
                if (!revisions.isEmpty()) {
                    assertThat(leadReceivedAt).as("only a submission with a lead is decided").containsKey(id);
                }
                LeadOutcome current = revisions.isEmpty() ? null : revisions.get(revisions.size() - 1);

                Map<String, BigDecimal> sums = paid.getOrDefault(id, Map.of());
                String payoutCurrency = current == null ? null : current.getPayoutCurrency();
                BigDecimal payout = current == null || current.getPayout() == null ? BigDecimal.ZERO
                        : current.getPayout();
                sums.forEach((currency, sum) -> {
                    BigDecimal expected = currency.equals(payoutCurrency) ? payout : BigDecimal.ZERO;
                    assertThat(sum).as("sum of %s payouts of %s", currency, id).isEqualByComparingTo(expected);
                });
                if (payout.signum() != 0) {
                    assertThat(sums.get(payoutCurrency)).as("%s is paid its payout", id).isNotNull();
                }

                Map<String, ConversionRecorded> stands = standing.getOrDefault(id, Map.of());
                if (current != null && current.getVerdict() == Verdict.ACCEPTED) {
                    assertThat(stands).as("standing conversions of accepted %s", id).hasSize(1);
                    ConversionRecorded conversion = stands.values().iterator().next();
                    BigDecimal amount = current.getAmount() == null ? BigDecimal.ZERO : current.getAmount();
                    assertThat(conversion.getAmount()).isEqualByComparingTo(amount);
                    assertThat(conversion.getOrderId()).isEqualTo(current.getOrderId());
                } else {
                    assertThat(stands).as("standing conversions of %s (not accepted)", id).isEmpty();
                }

                Long receivedAt = leadReceivedAt.get(id);
                if (receivedAt != null && finalAnswered.contains(id)) {
                    assertThat(current).as("%s has its lead and a final answer", id).isNotNull();
                    assertThat(current.getVerdict()).as("%s is decided by an answer", id)
                            .isNotEqualTo(Verdict.NO_RESPONSE);
                } else if (receivedAt != null
                        && streamTime >= receivedAt + DEADLINE_AFTER + CHECK_INTERVAL.toMillis()) {
                    assertThat(current).as("%s is past its deadline", id).isNotNull();
                    assertThat(current.getVerdict()).isEqualTo(Verdict.NO_RESPONSE);
                }
            }
        }

        @Override
        public void close() {
        }
    }
}
