package io.datapost.ingest.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldCheckKind;
import io.datapost.schemas.IngestSettings;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.VerdictRule;
import io.datapost.schemas.security.ApiKeyHasher;

/** The partners and event types the ingest tests post against, as `datapost config apply` would publish them. */
public final class ConfigFixtures {

    public static final String INSURANCE_QUOTE = "insurance-quote";
    /** Configured but switched off: posts to it are 404 like an unknown id. */
    public static final String RETIRED_QUOTE = "retired-quote";
    /** Takes GET query strings, has a 1 KiB limit and takes its idempotency key from the field lead_id. */
    public static final String PIXEL_QUOTE = "pixel-quote";
    public static final int PIXEL_QUOTE_MAX_BYTES = 1024;
    public static final String PIXEL_QUOTE_KEY_FIELD = "lead_id";
    /** A limit above the 64 KiB default: 256 KiB. */
    public static final String BULK_QUOTE = "bulk-quote";
    public static final int BULK_QUOTE_MAX_BYTES = 256 * 1024;

    public static final String DEMO_PARTNER = "demo-partner";
    public static final String DEMO_KEY = "demo-key-1";
    public static final String OTHER_PARTNER = "other-partner";
    public static final String OTHER_KEY = "other-key-1";
    /** Enabled for insurance-quote but inactive: 403. */
    public static final String DORMANT_PARTNER = "dormant-partner";
    public static final String DORMANT_KEY = "dormant-key-1";
    /** Enabled for insurance-quote, with a small token bucket in the test contexts (see RunningIngestApi). */
    public static final String THROTTLED_PARTNER = "throttled-partner";
    public static final String THROTTLED_KEY = "throttled-key-1";

    private ConfigFixtures() {
    }

    public static List<EventType> eventTypes() {
        return List.of(withFieldChecks(eventType(INSURANCE_QUOTE, true)), eventType(RETIRED_QUOTE, false),
                withIngest(eventType(PIXEL_QUOTE, true), IngestSettings.newBuilder().setAllowGet(true)
                        .setMaxBodyBytes(PIXEL_QUOTE_MAX_BYTES).setIdempotencyKeyField(PIXEL_QUOTE_KEY_FIELD).build()),
                withIngest(eventType(BULK_QUOTE, true), IngestSettings.newBuilder()
                        .setMaxBodyBytes(BULK_QUOTE_MAX_BYTES).build()));
    }

    public static List<Partner> partners() {
        return List.of(
                partner(DEMO_PARTNER, DEMO_KEY, true, List.of(INSURANCE_QUOTE, RETIRED_QUOTE, PIXEL_QUOTE, BULK_QUOTE)),
                partner(OTHER_PARTNER, OTHER_KEY, true, List.of()),
                partner(DORMANT_PARTNER, DORMANT_KEY, false, List.of(INSURANCE_QUOTE)),
                partner(THROTTLED_PARTNER, THROTTLED_KEY, true, List.of(INSURANCE_QUOTE)));
    }

    private static EventType eventType(String id, boolean active) {
        return EventType.newBuilder()
                .setId(id)
                .setActive(active)
                .setRequiredFields(List.of("email", "phone", "first_name", "last_name", "zip"))
                .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:8099/v1/leads").build())
                .setRule(VerdictRule.newBuilder().build())
                .setExtraction(Extraction.newBuilder().build())
                .build();
    }

    /** insurance-quote checks email, phone and zip (US) when present. */
    private static EventType withFieldChecks(EventType eventType) {
        eventType.setFieldChecks(List.of(
                FieldCheck.newBuilder().setField("email").setCheck(FieldCheckKind.EMAIL).build(),
                FieldCheck.newBuilder().setField("phone").setCheck(FieldCheckKind.PHONE).build(),
                FieldCheck.newBuilder().setField("zip").setCheck(FieldCheckKind.ZIP).build()));
        return eventType;
    }

    private static EventType withIngest(EventType eventType, IngestSettings ingest) {
        eventType.setIngest(ingest);
        return eventType;
    }

    private static Partner partner(String id, String key, boolean active, List<String> eventTypeIds) {
        return Partner.newBuilder()
                .setId(id)
                .setName(id)
                .setActive(active)
                .setApiKeyHashes(List.of(ApiKeyHasher.hash(key)))
                .setPayouts(eventTypeIds.stream().map(eventTypeId -> PayoutTerm.newBuilder()
                        .setEventTypeId(eventTypeId)
                        .setKind(PayoutTermKind.FIXED)
                        .setValue(new BigDecimal("4.00").setScale(4, RoundingMode.HALF_EVEN))
                        .build()).toList())
                .build();
    }
}
