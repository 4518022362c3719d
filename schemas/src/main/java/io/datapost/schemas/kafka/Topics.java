package io.datapost.schemas.kafka;

import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.ReclassifyRequested;

/**
 * The one registry of datapost topics: name, key serde, value serde, partitions, cleanup policy.
 * Every producer, consumer, topology and test takes its topics from here.
 * Keys of the data topics are the submission id, so every record of one submission is co-partitioned.
 */
public final class Topics {

    /** Partitions of every data topic: the unit of parallelism of every service. */
    public static final int DATA_PARTITIONS = 6;

    private static final Serde<String> KEY = Serdes.String();

    /**
     * What ingest-api accepted, repeats included (every ingest instance writes here). validator-streams' gate
     * forwards each submission once per dedupe window to {@link #LEADS}.
     */
    public static final Topic<String, LeadSubmitted> SUBMISSIONS =
            new Topic<>("lead-submissions-v1", KEY, AvroSerde.of(LeadSubmitted.class), DATA_PARTITIONS, false);

    /** Leads past the dedupe gate (and operators' re-forwards): what the forwarder and the ledger read. */
    public static final Topic<String, LeadSubmitted> LEADS =
            new Topic<>("leads-v1", KEY, AvroSerde.of(LeadSubmitted.class), DATA_PARTITIONS, false);

    public static final Topic<String, AdvertiserResponse> ADVERTISER_RESPONSES =
            new Topic<>("advertiser-responses-v1", KEY, AvroSerde.of(AdvertiserResponse.class), DATA_PARTITIONS, false);

    public static final Topic<String, LeadOutcome> LEAD_OUTCOMES =
            new Topic<>("lead-outcomes-v1", KEY, AvroSerde.of(LeadOutcome.class), DATA_PARTITIONS, false);

    public static final Topic<String, ConversionRecorded> CONVERSIONS =
            new Topic<>("conversions-v1", KEY, AvroSerde.of(ConversionRecorded.class), DATA_PARTITIONS, false);

    public static final Topic<String, PayoutEvent> PAYOUTS =
            new Topic<>("payouts-v1", KEY, AvroSerde.of(PayoutEvent.class), DATA_PARTITIONS, false);

    /** A conversion that no longer stands (the decision changed); the validator writes it with its correction. */
    public static final Topic<String, ConversionReversed> CONVERSION_REVERSALS =
            new Topic<>("conversion-reversals-v1", KEY, AvroSerde.of(ConversionReversed.class), DATA_PARTITIONS, false);

    /**
     * Commands to the validator: decide a submission again with the current rules (replays write here).
     * Co-partitioned with the leads, so the task that owns the submission's ledger entry gets the command.
     */
    public static final Topic<String, ReclassifyRequested> RECLASSIFY_REQUESTS =
            new Topic<>("reclassify-requests-v1", KEY, AvroSerde.of(ReclassifyRequested.class), DATA_PARTITIONS,
                    false);

    /** Key: event type id. Compacted: the latest record per id is the config in force. */
    public static final Topic<String, EventType> EVENT_TYPES =
            new Topic<>("event-types-v1", KEY, AvroSerde.of(EventType.class), 1, true);

    /** Key: partner id. Compacted. */
    public static final Topic<String, Partner> PARTNERS =
            new Topic<>("partners-v1", KEY, AvroSerde.of(Partner.class), 1, true);

    /**
     * Records that could not be processed, as the original bytes, with the cause in headers
     * (see {@link DeadLetters}). Kept raw because they may not decode.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTERS =
            new Topic<>("dead-letters-v1", Serdes.ByteArray(), Serdes.ByteArray(), 1, false);

    private Topics() {
    }

    public static List<Topic<?, ?>> all() {
        return List.of(SUBMISSIONS, LEADS, ADVERTISER_RESPONSES, LEAD_OUTCOMES, CONVERSIONS, PAYOUTS, CONVERSION_REVERSALS,
                RECLASSIFY_REQUESTS, EVENT_TYPES, PARTNERS, DEAD_LETTERS);
    }
}
