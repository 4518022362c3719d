package io.datapost.ingest.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Turns a posted body into a {@link LeadBody}: picks the reader by content type (415 otherwise), reads at
 * most {@code limit + 1} bytes (413 beyond the limit) and parses (400 when malformed). The limit is the
 * post's event type's, so it is passed with every body.
 */
@Component
public class LeadBodyParser {

    private static final byte[] FORM_SYNTAX = "%+=&".getBytes(StandardCharsets.US_ASCII);
    private static final MediaType TEXT_XML = MediaType.TEXT_XML;

    private final JsonLeadReader json = new JsonLeadReader();
    private final FormLeadReader form = new FormLeadReader();
    private final XmlLeadReader xml = new XmlLeadReader();

    /**
     * @param contentType    the raw Content-Type header, may be null
     * @param declaredLength the Content-Length, or -1 when unknown (chunked)
     * @param maxBytes       the size limit of this post's event type
     */
    public LeadBody parse(String contentType, long declaredLength, InputStream body, int maxBytes) {
        Format format = formatOf(contentType);
        if (declaredLength > maxBytes) {
            throw LeadRejectedException.tooLarge(maxBytes);
        }
        byte[] bytes = readAtMost(body, maxBytes);
        return switch (format.kind) {
            case JSON -> json.read(bytes, format.charset);
            case FORM -> form.read(bytes, format.charset == null ? StandardCharsets.UTF_8 : format.charset);
            case XML -> xml.read(bytes, format.charset);
        };
    }

    /**
     * The fields of a GET: the raw query string, percent-decoded as UTF-8 (RFC 3986), '+' as a space,
     * without the {@code reserved} parameters (e.g. {@code wait}), which steer the request and are no fields.
     */
    public LeadBody parseQuery(String rawQuery, int maxBytes, String... reserved) {
        byte[] bytes = rawQuery == null ? new byte[0] : rawQuery.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length > maxBytes) {
            throw LeadRejectedException.queryTooLong(maxBytes);
        }
        return form.read(bytes, StandardCharsets.UTF_8, FormLeadReader.QUERY_STRING).without(reserved);
    }

    /**
     * The one value of query parameter {@code name}, or null when absent; other parameters are not decoded.
     * Only the raw query string is read: asking the servlet container would make it consume a form body for
     * its parameters.
     */
    public String queryParameter(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        List<String> values = form.values(rawQuery.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8, name);
        if (values.size() > 1) {
            throw LeadRejectedException.malformed("The query parameter '" + name + "' must be given once.");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static byte[] readAtMost(InputStream body, int maxBytes) {
        try {
            byte[] bytes = body.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw LeadRejectedException.tooLarge(maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw LeadRejectedException.malformed("The body could not be read completely.");
        }
    }

    private enum Kind { JSON, FORM, XML }

    private record Format(Kind kind, Charset charset) {
    }

    private static Format formatOf(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw LeadRejectedException.unsupportedMediaType();
        }
        MediaType type;
        Charset charset;
        try {
            type = MediaType.parseMediaType(contentType);
            charset = type.getCharset();
        } catch (IllegalArgumentException e) {
            // InvalidMediaTypeException, and unknown or illegal charset names
            throw LeadRejectedException.unsupportedMediaType();
        }
        if (type.equalsTypeAndSubtype(MediaType.APPLICATION_JSON)) {
            return new Format(Kind.JSON, charset);
        }
        if (type.equalsTypeAndSubtype(MediaType.APPLICATION_FORM_URLENCODED)) {
            if (charset != null && !asciiCompatible(charset)) {
                throw LeadRejectedException.unsupportedMediaType();
            }
            return new Format(Kind.FORM, charset);
        }
        if (type.equalsTypeAndSubtype(MediaType.APPLICATION_XML) || type.equalsTypeAndSubtype(TEXT_XML)) {
            return new Format(Kind.XML, charset);
        }
        throw LeadRejectedException.unsupportedMediaType();
    }

    /** Form syntax is split on ASCII bytes before decoding, so the charset must encode them as ASCII does. */
    private static boolean asciiCompatible(Charset charset) {
        return charset.canEncode() && Arrays.equals(new String(FORM_SYNTAX, StandardCharsets.US_ASCII).getBytes(charset), FORM_SYNTAX);
    }
}
