package io.datapost.ingest.service;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/** A flat JSON object; strings, numbers (as written) and booleans become strings, null means absent. */
final class JsonLeadReader {

    private static final String MALFORMED = "The body is not a well-formed JSON object.";

    private final JsonMapper mapper = JsonMapper.builder().build();

    LeadBody read(byte[] bytes, Charset declared) {
        try (JsonParser parser = open(bytes, declared)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw LeadRejectedException.malformed(MALFORMED);
            }
            LeadBody.Builder lead = new LeadBody.Builder();
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (value) {
                    case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> lead.value(name, parser.getString());
                    case VALUE_TRUE -> lead.value(name, "true");
                    case VALUE_FALSE -> lead.value(name, "false");
                    case VALUE_NULL -> {
                        // absent: a required field posted as null is reported missing
                    }
                    case START_OBJECT, START_ARRAY -> {
                        parser.skipChildren();
                        lead.nested(name);
                    }
                    default -> throw LeadRejectedException.malformed(MALFORMED);
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw LeadRejectedException.malformed(MALFORMED);
            }
            return lead.build();
        } catch (JacksonException e) {
            // the parser's message can quote the body: never passed on
            throw LeadRejectedException.malformed(MALFORMED);
        }
    }

    /** JSON is UTF-8 (Jackson also detects UTF-16/32); a declared other charset is honoured strictly. */
    private JsonParser open(byte[] bytes, Charset declared) {
        if (declared == null || declared.equals(StandardCharsets.UTF_8)) {
            return mapper.createParser(bytes);
        }
        try {
            String text = declared.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return mapper.createParser(text);
        } catch (CharacterCodingException e) {
            throw LeadRejectedException.malformed("The body is not valid " + declared.name() + ".");
        }
    }
}
