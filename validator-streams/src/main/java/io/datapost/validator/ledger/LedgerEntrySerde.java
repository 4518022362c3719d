package io.datapost.validator.ledger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger store's (and its changelog's) encoding of a {@link LedgerEntry}. Internal to this service (no other
 * reader), so it lives here and not in the Avro contracts. Every lead and answer reads and writes its entry, so
 * the format is a compact binary one: a version byte ({@link #BINARY_V1}), then the fields in order, each
 * optional part behind a presence flag; enums by name, money as unscaled bytes and scale. Entries written as
 * JSON by earlier versions of the validator (first byte {@code '{'}) are still read.
 */
public final class LedgerEntrySerde implements Serde<LedgerEntry> {

    static final byte BINARY_V1 = 1;

    private static final int LEAD = 1;
    private static final int RESPONSE = 2;
    private static final int FINAL_RESPONSE = 4;
    private static final int DECISION = 8;

    private static final JsonMapper LEGACY_JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Override
    public Serializer<LedgerEntry> serializer() {
        return (topic, entry) -> entry == null ? null : encode(entry);
    }

    @Override
    public Deserializer<LedgerEntry> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }

    static byte[] encode(LedgerEntry entry) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(
                64 + length(entry.response()) + (entry.decision() == null ? 0 : length(entry.decision().outcome())));
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(BINARY_V1);
            int flags = (entry.lead() != null ? LEAD : 0) | (entry.response() != null ? RESPONSE : 0)
                    | (entry.finalResponse() ? FINAL_RESPONSE : 0) | (entry.decision() != null ? DECISION : 0);
            out.writeByte(flags);
            if (entry.lead() != null) {
                LedgerEntry.Lead lead = entry.lead();
                writeText(out, lead.eventTypeId());
                writeText(out, lead.partnerId());
                out.writeLong(lead.receivedAt());
                out.writeLong(lead.deadline());
            }
            if (entry.response() != null) {
                writeBytes(out, entry.response());
            }
            out.writeInt(entry.responseAttempt());
            if (entry.decision() != null) {
                LedgerEntry.Decision d = entry.decision();
                out.writeInt(d.revision());
                writeText(out, d.verdict() == null ? null : d.verdict().name());
                out.writeLong(d.decidedAt());
                writeBytes(out, d.outcome());
                writeText(out, d.conversionId());
                writeMoney(out, d.paid());
                writeText(out, d.paidCurrency());
                out.writeBoolean(d.term() != null);
                if (d.term() != null) {
                    writeText(out, d.term().kind() == null ? null : d.term().kind().name());
                    writeMoney(out, d.term().value());
                    writeText(out, d.term().currency());
                }
            }
        } catch (IOException e) {
            throw new SerializationException("Cannot encode ledger entry", e);
        }
        return buffer.toByteArray();
    }

    static LedgerEntry decode(byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == '{') {
            return legacyJson(bytes);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != BINARY_V1) {
                throw new SerializationException("Ledger entry of unknown format version " + version);
            }
            int flags = in.readByte();
            LedgerEntry.Lead lead = (flags & LEAD) == 0 ? null
                    : new LedgerEntry.Lead(readText(in), readText(in), in.readLong(), in.readLong());
            byte[] response = (flags & RESPONSE) == 0 ? null : readBytes(in);
            int responseAttempt = in.readInt();
            LedgerEntry.Decision decision = null;
            if ((flags & DECISION) != 0) {
                int revision = in.readInt();
                String verdict = readText(in);
                long decidedAt = in.readLong();
                byte[] outcome = readBytes(in);
                String conversionId = readText(in);
                BigDecimal paid = readMoney(in);
                String paidCurrency = readText(in);
                LedgerEntry.Term term = null;
                if (in.readBoolean()) {
                    String kind = readText(in);
                    term = new LedgerEntry.Term(kind == null ? null : PayoutTermKind.valueOf(kind), readMoney(in),
                            readText(in));
                }
                decision = new LedgerEntry.Decision(revision, verdict == null ? null : Verdict.valueOf(verdict),
                        decidedAt, outcome, conversionId, paid, paidCurrency, term);
            }
            return new LedgerEntry(lead, response, responseAttempt, (flags & FINAL_RESPONSE) != 0, decision);
        } catch (IOException | IllegalArgumentException e) {
            throw new SerializationException("Cannot decode ledger entry: " + e.getMessage(), e);
        }
    }

    private static LedgerEntry legacyJson(byte[] bytes) {
        try {
            return LEGACY_JSON.readValue(bytes, LedgerEntry.class);
        } catch (JacksonException e) {
            throw new SerializationException("Cannot decode ledger entry: " + e.getOriginalMessage(), e);
        }
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void writeText(DataOutputStream out, String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text);
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.write(bytes);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    private static void writeMoney(DataOutputStream out, BigDecimal amount) throws IOException {
        out.writeBoolean(amount != null);
        if (amount != null) {
            out.writeInt(amount.scale());
            writeBytes(out, amount.unscaledValue().toByteArray());
        }
    }

    private static BigDecimal readMoney(DataInputStream in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int scale = in.readInt();
        return new BigDecimal(new BigInteger(readBytes(in)), scale);
    }
}
