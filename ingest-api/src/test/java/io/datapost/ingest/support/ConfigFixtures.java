package io.datapost.ingest.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
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

    public static final String DEMO_PARTNER = "demo-partner";
    public static final String DEMO_KEY = "demo-key-1";
    public static final String OTHER_PARTNER = "other-partner";
    public static final String OTHER_KEY = "other-key-1";
    /** Enabled for insurance-quote but inactive: 403. */
    public static final String DORMANT_PARTNER = "dormant-partner";
    public static final String DORMANT_KEY = "dormant-key-1";

    private ConfigFixtures() {
    }

    public static List<EventType> eventTypes() {
        return List.of(eventType(INSURANCE_QUOTE, true), eventType(RETIRED_QUOTE, false));
    }

    public static List<Partner> partners() {
        return List.of(
                partner(DEMO_PARTNER, DEMO_KEY, true, List.of(INSURANCE_QUOTE, RETIRED_QUOTE)),
                partner(OTHER_PARTNER, OTHER_KEY, true, List.of()),
                partner(DORMANT_PARTNER, DORMANT_KEY, false, List.of(INSURANCE_QUOTE)));
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
