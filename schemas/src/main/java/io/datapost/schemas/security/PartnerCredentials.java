package io.datapost.schemas.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

import io.datapost.schemas.Partner;

/**
 * Resolves the partner behind an {@code Authorization} header: HTTP Basic ({@code partnerId:apiKey}) or
 * {@code Bearer <apiKey>}. Every failure is the same empty answer, so a caller cannot tell which part of a
 * credential was wrong. Used by every service that partners call.
 */
public final class PartnerCredentials {

    private PartnerCredentials() {
    }

    /**
     * @param authorization the raw header value, may be null
     * @param byId          looks a partner up by id (for Basic)
     * @param all           every known partner (for Bearer, which carries no id)
     */
    public static Optional<Partner> authenticate(String authorization, Function<String, Optional<Partner>> byId,
            Collection<Partner> all) {
        if (authorization == null) {
            return Optional.empty();
        }
        String header = authorization.trim();
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String key = decoded.substring(colon + 1);
            return byId.apply(decoded.substring(0, colon)).filter(p -> keyMatches(p, key));
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = header.substring(7).trim();
            return all.stream().filter(p -> keyMatches(p, key)).findFirst();
        }
        return Optional.empty();
    }

    private static boolean keyMatches(Partner partner, String key) {
        boolean match = false;
        for (String hash : partner.getApiKeyHashes()) {
            // no early exit: the time taken does not tell which stored key matched
            match |= ApiKeyHasher.matches(key, hash);
        }
        return match && !key.isEmpty();
    }
}
