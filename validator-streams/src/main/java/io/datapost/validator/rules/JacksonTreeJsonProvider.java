package io.datapost.validator.rules;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidJsonException;
import com.jayway.jsonpath.TypeRef;
import com.jayway.jsonpath.spi.json.AbstractJsonProvider;
import com.jayway.jsonpath.spi.mapper.MappingProvider;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets Jayway JSONPath walk the plain Java tree (maps, lists, BigDecimal, ...) that Jackson 3 produced.
 * JSONPath's default provider (json-smart) parses leniently and reads floats as doubles; we parse ourselves.
 */
final class JacksonTreeJsonProvider extends AbstractJsonProvider {

    private final JsonMapper mapper;

    JacksonTreeJsonProvider(JsonMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public Object parse(String json) {
        try {
            return mapper.readValue(json, Object.class);
        } catch (JacksonException e) {
            throw new InvalidJsonException(e);
        }
    }

    @Override
    public Object parse(InputStream jsonStream, String charset) {
        try {
            return mapper.readValue(new java.io.InputStreamReader(jsonStream, charset), Object.class);
        } catch (JacksonException | java.io.UnsupportedEncodingException e) {
            throw new InvalidJsonException(e);
        }
    }

    @Override
    public String toJson(Object obj) {
        return mapper.writeValueAsString(obj);
    }

    @Override
    public Object createArray() {
        return new ArrayList<>();
    }

    @Override
    public Object createMap() {
        return new LinkedHashMap<String, Object>();
    }

    /** We only read raw values; typed mapping is never asked for. */
    static final class NoMappingProvider implements MappingProvider {
        @Override
        public <T> T map(Object source, Class<T> targetType, Configuration configuration) {
            if (source == null || targetType.isInstance(source)) {
                return targetType.cast(source);
            }
            throw new UnsupportedOperationException("No mapping to " + targetType.getName());
        }

        @Override
        public <T> T map(Object source, TypeRef<T> targetType, Configuration configuration) {
            throw new UnsupportedOperationException("No mapping to " + targetType.getType());
        }
    }
}
