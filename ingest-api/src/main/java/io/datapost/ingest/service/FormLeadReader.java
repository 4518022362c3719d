package io.datapost.ingest.service;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;

/**
 * application/x-www-form-urlencoded, decoded here rather than by the servlet container so the declared
 * charset (ISO-8859-1 from legacy partner software included) is honoured: split on ASCII '&amp;' and '=',
 * percent-decode to bytes, then decode the bytes strictly with the charset. A repeated name is a list,
 * which a flat lead cannot hold.
 */
final class FormLeadReader {

    LeadBody read(byte[] bytes, Charset charset) {
        LeadBody.Builder lead = new LeadBody.Builder();
        int start = 0;
        while (start <= bytes.length) {
            int end = indexOf(bytes, (byte) '&', start, bytes.length);
            if (end > start) {
                int eq = indexOf(bytes, (byte) '=', start, end);
                String name = decode(bytes, start, eq, charset);
                String value = eq < end ? decode(bytes, eq + 1, end, charset) : "";
                lead.value(name, value);
            }
            start = end + 1;
        }
        return lead.build();
    }

    private static int indexOf(byte[] bytes, byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return to;
    }

    private static String decode(byte[] bytes, int from, int to, Charset charset) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '+') {
                raw.write(' ');
            } else if (b == '%') {
                if (i + 2 >= to) {
                    throw LeadRejectedException.malformed("The form body has a broken percent escape.");
                }
                int high = Character.digit(bytes[i + 1], 16);
                int low = Character.digit(bytes[i + 2], 16);
                if (high < 0 || low < 0) {
                    throw LeadRejectedException.malformed("The form body has a broken percent escape.");
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
            throw LeadRejectedException.malformed("The form body is not valid " + charset.name() + ".");
        }
    }
}
