package io.datapost.validator.rules;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.Map;

import io.datapost.schemas.AdvertiserResponse;

/** Turns a response's raw body bytes into text, with the charset its Content-Type names. */
final class ResponseText {

    private ResponseText() {
    }

    /** The body as text; "" when there is none. A byte-order mark is dropped. */
    static String of(AdvertiserResponse response) {
        ByteBuffer body = response.getBody();
        if (body == null || !body.hasRemaining()) {
            return "";
        }
        ByteBuffer view = body.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        String text = new String(bytes, charset(contentType(response)));
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
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
    static Charset charset(String contentType) {
        if (contentType == null) {
            return StandardCharsets.UTF_8;
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
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
