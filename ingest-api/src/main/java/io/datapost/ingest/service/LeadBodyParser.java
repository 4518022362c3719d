package io.datapost.ingest.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

import io.datapost.ingest.config.IngestProperties;

/**
 * Turns a posted body into a {@link LeadBody}: picks the reader by content type (415 otherwise), reads at
 * most {@code limit + 1} bytes (413 beyond the limit) and parses (400 when malformed).
 */
@Component
public class LeadBodyParser {

    private static final byte[] FORM_SYNTAX = "%+=&".getBytes(StandardCharsets.US_ASCII);
    private static final MediaType TEXT_XML = MediaType.TEXT_XML;

    private final int maxBytes;
    private final JsonLeadReader json = new JsonLeadReader();
    private final FormLeadReader form = new FormLeadReader();
    private final XmlLeadReader xml = new XmlLeadReader();

    @Autowired
    public LeadBodyParser(IngestProperties properties) {
        this(properties.maxBodyBytesAsInt());
    }

    public LeadBodyParser(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * @param contentType    the raw Content-Type header, may be null
     * @param declaredLength the Content-Length, or -1 when unknown (chunked)
     */
    public LeadBody parse(String contentType, long declaredLength, InputStream body) {
        Format format = formatOf(contentType);
        if (declaredLength > maxBytes) {
            throw LeadRejectedException.tooLarge(maxBytes);
        }
        byte[] bytes = readAtMost(body);
        return switch (format.kind) {
            case JSON -> json.read(bytes, format.charset);
            case FORM -> form.read(bytes, format.charset == null ? StandardCharsets.UTF_8 : format.charset);
            case XML -> xml.read(bytes, format.charset);
        };
    }

    private byte[] readAtMost(InputStream body) {
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
