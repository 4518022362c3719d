package io.datapost.validator.rules;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.Map;

import io.datapost.schemas.AdvertiserResponse;

/** Turns a response's raw body bytes into text, with the charset its Content-Type names (else a fallback). */
public final class ResponseText {

    private ResponseText() {
    }

    /** The body as text, decoded as its Content-Type says or as UTF-8; "" when there is none. */
    static String of(AdvertiserResponse response) {
        return of(response, StandardCharsets.UTF_8);
    }

    /** The body as text; "" when there is none. A byte-order mark is dropped. */
    static String of(AdvertiserResponse response, Charset fallback) {
        byte[] bytes = bytes(response);
        if (bytes.length == 0) {
            return "";
        }
        Charset declared = declaredCharset(contentType(response));
        String text = new String(bytes, declared != null ? declared : fallback);
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    static byte[] bytes(AdvertiserResponse response) {
        ByteBuffer body = response.getBody();
        if (body == null || !body.hasRemaining()) {
            return new byte[0];
        }
        ByteBuffer view = body.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    static String contentType(AdvertiserResponse response) {
        if (response.getContentType() != null) {
            return response.getContentType();
        }
        Map<String, String> headers = response.getHeaders();
        if (headers != null) {
            for (Map.Entry<String, String> header : headers.entrySet()) {
                if ("content-type".equalsIgnoreCase(header.getKey())) {
                    return header.getValue();
                }
            }
        }
        return null;
    }

    /** The {@code charset} parameter of a Content-Type value; UTF-8 when absent or unknown. */
    public static Charset charset(String contentType) {
        Charset declared = declaredCharset(contentType);
        return declared == null ? StandardCharsets.UTF_8 : declared;
    }

    /** A charset name as configured; UTF-8 when it is not one this JVM knows. */
    static Charset charsetNamed(String name) {
        if (name == null || name.isBlank()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name.trim());
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The {@code charset} parameter of a Content-Type value, or null when absent or unknown. */
    static Charset declaredCharset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] nameValue = parameter.split("=", 2);
            if (nameValue.length == 2 && nameValue[0].trim().toLowerCase(Locale.ROOT).equals("charset")) {
                String name = nameValue[1].trim();
                if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                    name = name.substring(1, name.length() - 1);
                }
                try {
                    return Charset.forName(name);
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The media type without parameters, lower case; "" when there is none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
