package io.datapost.ingest.service;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;

/**
 * application/x-www-form-urlencoded, decoded here rather than by the servlet container so the declared
 * charset (ISO-8859-1 from legacy partner software included) is honoured: split on ASCII '&amp;' and '=',
 * percent-decode to bytes, then decode the bytes strictly with the charset. A repeated name is a list,
 * which a flat lead cannot hold.
 */
final class FormLeadReader {

    static final String FORM_BODY = "form body";
    static final String QUERY_STRING = "query string";

    LeadBody read(byte[] bytes, Charset charset) {
        return read(bytes, charset, FORM_BODY);
    }

    /** @param what "form body" or "query string", for the 400's detail */
    LeadBody read(byte[] bytes, Charset charset, String what) {
        LeadBody.Builder lead = new LeadBody.Builder();
        int start = 0;
        while (start <= bytes.length) {
            int end = indexOf(bytes, (byte) '&', start, bytes.length);
            if (end > start) {
                int eq = indexOf(bytes, (byte) '=', start, end);
                String name = decode(bytes, start, eq, charset, what);
                String value = eq < end ? decode(bytes, eq + 1, end, charset, what) : "";
                lead.value(name, value);
            }
            start = end + 1;
        }
        return lead.build();
    }

    /**
     * The values of parameter {@code name} only (a POST's query string carries our {@code wait} among whatever
     * else the partner's software adds; only ours has to decode). Pairs whose name does not decode are skipped.
     */
    List<String> values(byte[] bytes, Charset charset, String name) {
        List<String> values = new ArrayList<>();
        int start = 0;
        while (start <= bytes.length) {
            int end = indexOf(bytes, (byte) '&', start, bytes.length);
            if (end > start) {
                int eq = indexOf(bytes, (byte) '=', start, end);
                String decodedName;
                try {
                    decodedName = decode(bytes, start, eq, charset, QUERY_STRING);
                } catch (LeadRejectedException e) {
                    decodedName = null;
                }
                if (name.equals(decodedName)) {
                    values.add(eq < end ? decode(bytes, eq + 1, end, charset, QUERY_STRING) : "");
                }
            }
            start = end + 1;
        }
        return values;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return to;
    }

    private static String decode(byte[] bytes, int from, int to, Charset charset, String what) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '+') {
                raw.write(' ');
            } else if (b == '%') {
                if (i + 2 >= to) {
                    throw LeadRejectedException.malformed("The " + what + " has a broken percent escape.");
                }
                int high = Character.digit(bytes[i + 1], 16);
                int low = Character.digit(bytes[i + 2], 16);
                if (high < 0 || low < 0) {
                    throw LeadRejectedException.malformed("The " + what + " has a broken percent escape.");
                }
                raw.write((high << 4) | low);
                i += 2;
            } else {
                raw.write(b);
            }
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw LeadRejectedException.malformed("The " + what + " is not valid " + charset.name() + ".");
        }
    }
}
