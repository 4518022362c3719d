package io.datapost.forwarder.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The header a replay ({@code datapost replay reforward}) puts on a lead it writes to the leads topic again: the
 * attempt number to start at (one above the highest attempt published for the submission), as a decimal number in
 * ASCII. A lead with it is delivered even if its submission id was seen before, its attempts continue the
 * numbering, and only a final response at or above that number counts as having finished it.
 */
public final class ReforwardHeader {

    /** Header name; its value is the first attempt number, e.g. {@code "4"}. */
    public static final String NAME = "datapost-reforward-attempt";

    private ReforwardHeader() {
    }

    /** The header value for a re-forward starting at {@code attempt}. */
    public static byte[] value(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("A re-forward starts at attempt 1 or above, not " + attempt);
        }
        return Integer.toString(attempt).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The attempt a re-forwarded lead starts at, or 0 when the record is no re-forward (no header, or a value that
     * is not a positive number: such a lead is treated as an ordinary one).
     */
    public static int attempt(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(NAME);
        if (header == null || header.value() == null) {
            return 0;
        }
        try {
            int attempt = Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII).trim());
            return Math.max(attempt, 0);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
