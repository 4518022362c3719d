package io.datapost.sink.web;

import java.time.Duration;

import org.springframework.stereotype.Component;

import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.security.PartnerCredentials;
import io.datapost.sink.config.SinkProperties;

/** Who is calling: a partner by its credentials, or the operator by its token. */
@Component
public class Callers {

    private final LiveTable<Partner> partners;
    private final OperatorToken operator;

    public Callers(LiveTable<Partner> partners, SinkProperties properties) {
        this.partners = partners;
        this.operator = new OperatorToken(properties.enabledOperatorToken().orElse(null));
    }

    /** The active partner behind the {@code Authorization} header, or 401 (503 while partners still load). */
    public Partner partner(String authorization) {
        Partner partner = PartnerCredentials.authenticate(authorization, partners::get, partners.snapshot().values())
                .filter(Partner::getActive)
                .orElse(null);
        if (partner != null) {
            return partner;
        }
        if (!caughtUp()) {
            throw ApiProblems.partnersLoading();
        }
        throw ApiProblems.unauthorized();
    }

    /** Passes for the operator and for the partner {@code partnerId} itself; 401 or 403 otherwise. */
    public void requireAccessTo(String partnerId, String authorization) {
        if (operator.matches(authorization)) {
            return;
        }
        if (!partner(authorization).getId().equals(partnerId)) {
            throw ApiProblems.forbidden("A partner may read only its own reports.");
        }
    }

    private boolean caughtUp() {
        try {
            return partners.awaitCaughtUp(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
