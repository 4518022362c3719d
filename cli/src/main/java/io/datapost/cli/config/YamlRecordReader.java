package io.datapost.cli.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import io.datapost.schemas.kafka.Topics;
import tools.jackson.databind.JsonNode;

/**
 * Turns a YAML tree into a generated Avro record by walking the record's schema: YAML keys are the Avro
 * field names, fields without a default are required, unknown keys are refused, decimals are parsed and
 * scaled to the schema's scale. Because it follows the schema, a field added to {@code EventType} or
 * {@code Partner} is readable from YAML without touching this class.
 */
final class YamlRecordReader {

    static {
        // Avro 1.12.2 instantiates by class name only classes it trusts; the schemas module's AvroSerde adds our
        // generated package to the trusted ones when it initialises, which loading the topic registry does.
        Topics.all();
    }

    private final SpecificData model;
    /** Keys refused with a specific message instead of "unknown key" (for example a plain API key). */
    private final Map<String, String> refusedKeys;

    YamlRecordReader(SpecificData model, Map<String, String> refusedKeys) {
        this.model = model;
        this.refusedKeys = refusedKeys;
    }

    /**
     * @param problems receives (field path, message) for every problem; fields in error are left unset (null or
     *                 0) in the returned record, which is null only when the YAML is not a mapping at all
     */
    <T extends SpecificRecord> T read(JsonNode node, Class<T> type, BiConsumer<String, String> problems) {
        Schema schema = model.getSchema(type);
        @SuppressWarnings("unchecked")
        T record = (T) readRecord(node, schema, "", problems, true);
        return record;
    }

    private Object readRecord(JsonNode node, Schema schema, String path, BiConsumer<String, String> problems,
            boolean topLevel) {
        if (node == null || !node.isObject()) {
            problems.accept(orWhole(path), "expected a mapping of " + schema.getName() + " fields, found "
                    + describe(node));
            return null;
        }
        Set<String> known = new HashSet<>();
        for (Schema.Field field : schema.getFields()) {
            known.add(field.name());
        }
        for (String key : node.propertyNames()) {
            if (known.contains(key)) {
                continue;
            }
            String refusal = topLevel ? refusedKeys.get(key) : null;
            problems.accept(join(path, key), refusal != null ? refusal
                    : "unknown key (allowed: " + String.join(", ", known) + ")");
        }
        SpecificRecord record = (SpecificRecord) model.newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
            String fieldPath = join(path, field.name());
            JsonNode value = node.get(field.name());
            if (value == null) {
                if (field.hasDefaultValue()) {
                    record.put(field.pos(), model.getDefaultValue(field));
                } else {
                    problems.accept(fieldPath, "required");
                }
                continue;
            }
            Object converted = readValue(value, field.schema(), fieldPath, problems);
            if (converted != null) {
                // a field in error stays unset, so the later checks can still look at the rest of the record
                record.put(field.pos(), converted);
            }
        }
        return record;
    }

    private Object readValue(JsonNode node, Schema schema, String path, BiConsumer<String, String> problems) {
        switch (schema.getType()) {
            case UNION -> {
                return readUnion(node, schema, path, problems);
            }
            case RECORD -> {
                return readRecord(node, schema, path, problems, false);
            }
            case STRING -> {
                // a scalar such as 2 or true is taken as its text: header values and expected answers are strings
                if (node.isValueNode() && !node.isNull()) {
                    return node.asString();
                }
                problems.accept(path, "expected a string, found " + describe(node));
                return null;
            }
            case BOOLEAN -> {
                if (node.isBoolean()) {
                    return node.booleanValue();
                }
                problems.accept(path, "expected true or false, found " + describe(node));
                return null;
            }
            case INT -> {
                if (node.isIntegralNumber() && node.canConvertToInt()) {
                    return node.intValue();
                }
                problems.accept(path, "expected a whole number, found " + describe(node));
                return null;
            }
            case LONG -> {
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return node.longValue();
                }
                problems.accept(path, "expected a whole number, found " + describe(node));
                return null;
            }
            case ENUM -> {
                if (node.isString() && schema.getEnumSymbols().contains(node.stringValue())) {
                    return model.createEnum(node.stringValue(), schema);
                }
                // the schema's default symbol is what old readers fall back to, not a value to write
                List<String> writable = schema.getEnumSymbols().stream()
                        .filter(symbol -> !symbol.equals(schema.getEnumDefault())).toList();
                problems.accept(path, "expected one of " + writable + ", found " + describe(node));
                return null;
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    problems.accept(path, "expected a list, found " + describe(node));
                    return null;
                }
                List<Object> items = new ArrayList<>();
                int i = 0;
                for (JsonNode item : node.values()) {
                    items.add(readValue(item, schema.getElementType(), path + "[" + i++ + "]", problems));
                }
                return items;
            }
            case MAP -> {
                if (!node.isObject()) {
                    problems.accept(path, "expected a mapping, found " + describe(node));
                    return null;
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    map.put(entry.getKey(),
                            readValue(entry.getValue(), schema.getValueType(), join(path, entry.getKey()), problems));
                }
                return map;
            }
            case BYTES -> {
                LogicalType logical = schema.getLogicalType();
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    return readDecimal(node, decimal, path, problems);
                }
                problems.accept(path, "bytes fields cannot be written in YAML");
                return null;
            }
            default -> {
                problems.accept(path, "unsupported field type " + schema.getType());
                return null;
            }
        }
    }

    private Object readUnion(JsonNode node, Schema union, String path, BiConsumer<String, String> problems) {
        List<Schema> branches = union.getTypes();
        boolean nullable = branches.stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
        if (node.isNull()) {
            if (nullable) {
                return null;
            }
            problems.accept(path, "must not be null");
            return null;
        }
        List<Schema> nonNull = branches.stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        if (nonNull.size() != 1) {
            problems.accept(path, "unsupported union " + union);
            return null;
        }
        return readValue(node, nonNull.get(0), path, problems);
    }

    private static BigDecimal readDecimal(JsonNode node, LogicalTypes.Decimal decimal, String path,
            BiConsumer<String, String> problems) {
        BigDecimal value;
        if (node.isNumber()) {
            value = node.decimalValue();
        } else if (node.isString()) {
            try {
                value = new BigDecimal(node.stringValue().trim());
            } catch (NumberFormatException e) {
                problems.accept(path, "not a decimal number: \"" + node.stringValue() + "\"");
                return null;
            }
        } else {
            problems.accept(path, "expected a decimal such as \"4.00\", found " + describe(node));
            return null;
        }
        if (value.stripTrailingZeros().scale() > decimal.getScale()) {
            problems.accept(path, "more than " + decimal.getScale() + " decimal places: " + value.toPlainString());
            return null;
        }
        BigDecimal scaled = value.setScale(decimal.getScale(), RoundingMode.HALF_EVEN);
        if (scaled.precision() > decimal.getPrecision()) {
            problems.accept(path, "too large: " + value.toPlainString());
            return null;
        }
        return scaled;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.getNodeType().name().toLowerCase() + " " + node;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String orWhole(String path) {
        return path.isEmpty() ? ConfigProblem.WHOLE_FILE : path;
    }
}
