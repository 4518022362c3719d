package io.datapost.forwarder.http;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

import okhttp3.HttpUrl;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import io.datapost.schemas.AdvertiserAuth;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AuthScheme;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FieldMapping;
import io.datapost.schemas.LeadSubmitted;

/**
 * Turns a lead and its event type's request description into the exact HTTP request for one attempt.
 * Pure apart from reading secrets from the environment: the same inputs give the same bytes on every attempt.
 *
 * <ul>
 * <li>Fields: {@code request.fields} (rename, constant, default, transforms, in order) or the simple
 * {@code fieldMapping}, or the lead's own fields sorted by name.</li>
 * <li>URL template: {@code ${name}} values are percent-encoded (UTF-8, RFC 3986 unreserved kept), so a value
 * can neither add a path segment nor a query parameter; placeholders are refused in scheme and host.</li>
 * <li>GET (or body format NONE): the fields not used in the URL go to the query string. Otherwise the body:
 * JSON (object, or {@code bodyTemplate} with JSON string literals), FORM (urlencoded), XML ({@code <lead>} of
 * elements, or the template, XML-escaped), SOAP (template in a SOAP 1.1 envelope, {@code SOAPAction}).</li>
 * <li>Auth and {@code ${env:NAME}}: secrets only from the environment; a missing one stops the request.</li>
 * <li>Header values are printable ASCII: a CR or LF (from config or a lead) refuses the request rather than
 * ever writing a second header line.</li>
 * </ul>
 */
public final class AdvertiserRequestRenderer {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String IDEMPOTENCY_KEY_PREFIX = "dp-";
    public static final String JSON_CONTENT_TYPE = "application/json; charset=UTF-8";
    public static final String FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
    public static final String XML_CONTENT_TYPE = "application/xml; charset=UTF-8";
    public static final String SOAP_CONTENT_TYPE = "text/xml; charset=utf-8";
    public static final String SOAP_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/";
    public static final Set<String> METHODS = Set.of("GET", "POST", "PUT");
    public static final Set<String> BODY_FORMATS = Set.of("JSON", "FORM", "XML", "SOAP", "NONE");

    private static final String USER_AGENT = "datapost-forwarder";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern XML_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]*");
    private static final Pattern ENVELOPE_START =
            Pattern.compile("^(?:<\\?xml[^>]*\\?>)?\\s*<([A-Za-z_][\\w.-]*:)?Envelope[\\s>/].*", Pattern.DOTALL);

    private final Function<String, String> environment;

    /** Secrets from this process's environment. */
    public AdvertiserRequestRenderer() {
        this(System::getenv);
    }

    /** @param environment where {@code ${env:NAME}} secrets are read (tests and the cli's dry run pass their own) */
    public AdvertiserRequestRenderer(Function<String, String> environment) {
        this.environment = environment;
    }

    /**
     * The idempotency key of a submission: the same on every attempt and after a crash, so an advertiser that
     * collapses repeats by it sees one lead.
     */
    public static String idempotencyKey(String submissionId) {
        return IDEMPOTENCY_KEY_PREFIX + submissionId;
    }

    /**
     * The request without the event type's field checks (the caller knows only the request part).
     *
     * @param requestId this attempt's own id, sent as {@value #REQUEST_ID_HEADER}
     * @throws RequestRenderException when the request cannot be sent safely
     */
    public RenderedRequest render(LeadSubmitted lead, AdvertiserRequest config, String requestId) {
        return renderTracked(lead, config, requestId).request();
    }

    /**
     * The request, after the event type's required fields and field checks passed.
     *
     * @throws RequestRenderException when a check fails or the request cannot be sent safely
     */
    public RenderedRequest render(LeadSubmitted lead, EventType eventType, String requestId) {
        return renderTracked(lead, eventType, requestId).request();
    }

    /** As {@link #render(LeadSubmitted, EventType, String)}, also telling which secret values it holds. */
    public Rendering renderTracked(LeadSubmitted lead, EventType eventType, String requestId) {
        List<String> problems = FieldChecks.problems(eventType, lead.getFields());
        if (!problems.isEmpty()) {
            throw new RequestRenderException(String.join("; ", problems));
        }
        return renderTracked(lead, eventType.getRequest(), requestId);
    }

    /** A rendered request and the secret values inside it (to mask them when it is shown to a person). */
    public record Rendering(RenderedRequest request, Set<String> secretValues) {
    }

    public Rendering renderTracked(LeadSubmitted lead, AdvertiserRequest config, String requestId) {
        Secrets secrets = new Secrets(environment);
        String method = config.getMethod() == null ? "POST" : config.getMethod().trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new RequestRenderException("Unsupported method '" + method + "' (GET, POST or PUT)");
        }
        String format = config.getBodyFormat() == null ? "JSON"
                : config.getBodyFormat().trim().toUpperCase(Locale.ROOT);
        if (!BODY_FORMATS.contains(format)) {
            throw new RequestRenderException("Unsupported body format '" + format + "' (" + BODY_FORMATS + ")");
        }
        List<MappedField> fields = mapFields(lead.getFields(), config);
        Map<String, MappedField> byName = new LinkedHashMap<>();
        fields.forEach(f -> byName.putIfAbsent(f.name(), f));
        Context context = new Context(byName, secrets, lead.getSubmissionId(), requestId);

        Template urlTemplate = parse(config.getUrl() == null ? "" : config.getUrl(), "request.url");
        HttpUrl url = url(urlTemplate, context);
        Set<String> inUrl = new HashSet<>();
        urlTemplate.placeholders().stream().filter(p -> p.kind() == Template.Kind.FIELD)
                .forEach(p -> inUrl.add(p.name()));
        List<MappedField> rest = fields.stream().filter(f -> !inUrl.contains(f.name())).toList();

        Template bodyTemplate = config.getBodyTemplate() == null ? null
                : parse(config.getBodyTemplate(), "request.bodyTemplate");
        boolean inQuery = method.equals("GET") || format.equals("NONE");
        byte[] body = null;
        String contentType = null;
        if (inQuery) {
            if (bodyTemplate != null) {
                throw new RequestRenderException("A bodyTemplate needs POST or PUT and a body format");
            }
            HttpUrl.Builder withQuery = url.newBuilder();
            rest.forEach(f -> withQuery.addEncodedQueryParameter(percentEncode(f.name()), percentEncode(f.value())));
            url = withQuery.build();
            if (!method.equals("GET")) {
                body = new byte[0];
            }
        } else {
            switch (format) {
                case "JSON" -> {
                    body = bodyTemplate != null ? bytes(bodyTemplate.render(p -> jsonValue(p, context), s -> s))
                            : json(rest, config.getFields() != null && !config.getFields().isEmpty());
                    contentType = JSON_CONTENT_TYPE;
                }
                case "FORM" -> {
                    if (bodyTemplate != null) {
                        throw new RequestRenderException("FORM bodies have no template: map the fields instead");
                    }
                    body = form(rest);
                    contentType = FORM_CONTENT_TYPE;
                }
                case "XML" -> {
                    body = bytes(bodyTemplate != null ? bodyTemplate.render(p -> xmlValue(p, context), s -> s)
                            : xmlLead(rest));
                    contentType = XML_CONTENT_TYPE;
                }
                default -> { // SOAP
                    if (bodyTemplate == null) {
                        throw new RequestRenderException("SOAP needs a bodyTemplate (the soap:Body content)");
                    }
                    body = bytes(soapEnvelope(bodyTemplate.render(p -> xmlValue(p, context), s -> s)));
                    contentType = SOAP_CONTENT_TYPE;
                }
            }
            if (config.getContentType() != null && !config.getContentType().isBlank()) {
                contentType = config.getContentType().trim();
            }
        }

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", USER_AGENT);
        if (config.getHeaders() != null) {
            new TreeMap<>(config.getHeaders()).forEach((name, value) -> putHeader(headers, name,
                    parse(value, "request.headers." + name).render(p -> rawValue(p, context), s -> s)));
        }
        if (format.equals("SOAP") && !inQuery && config.getSoapAction() != null) {
            putHeader(headers, "SOAPAction", "\"" + config.getSoapAction() + "\"");
        }
        if (config.getAuth() != null) {
            authorize(headers, config.getAuth(), context);
        }
        String idempotencyHeader = config.getIdempotencyHeader();
        if (idempotencyHeader != null && !idempotencyHeader.isBlank()) {
            putHeader(headers, idempotencyHeader.trim(), idempotencyKey(lead.getSubmissionId()));
        }
        putHeader(headers, REQUEST_ID_HEADER, requestId);
        return new Rendering(new RenderedRequest(method, url, headers, body, contentType, requestId), secrets.used());
    }

    /** One advertiser field, ready to send. {@code number}: sent as a JSON number. */
    record MappedField(String name, String value, boolean number) {
    }

    private record Context(Map<String, MappedField> fields, Secrets secrets, String submissionId, String requestId) {
        String raw(Template.Placeholder placeholder) {
            return switch (placeholder.kind()) {
                case ENV -> secrets.require(placeholder.name());
                case META -> switch (placeholder.name()) {
                    case "submissionId" -> submissionId;
                    case "requestId" -> requestId;
                    default -> idempotencyKey(submissionId);
                };
                case FIELD -> {
                    MappedField field = fields.get(placeholder.name());
                    yield field == null ? null : field.value();
                }
            };
        }

        boolean numeric(Template.Placeholder placeholder) {
            MappedField field = placeholder.kind() == Template.Kind.FIELD ? fields.get(placeholder.name()) : null;
            return field != null && field.number();
        }
    }

    /**
     * The advertiser's fields: the full mapping ({@code request.fields}) in order, else the simple
     * {@code fieldMapping} (advertiser name -> lead field) or the lead's fields, both sorted by name.
     */
    static List<MappedField> mapFields(Map<String, String> leadFields, AdvertiserRequest config) {
        List<FieldMapping> mappings = config.getFields();
        List<MappedField> out = new ArrayList<>();
        if (mappings != null && !mappings.isEmpty()) {
            for (FieldMapping mapping : mappings) {
                String value = mapping.getConstant() != null ? mapping.getConstant()
                        : leadFields.get(mapping.getFrom() != null ? mapping.getFrom() : mapping.getName());
                if ((value == null || value.isBlank()) && mapping.getDefaultValue() != null) {
                    value = mapping.getDefaultValue();
                }
                if (value == null) {
                    continue;
                }
                boolean number = false;
                if (!value.isEmpty() && mapping.getTransforms() != null) {
                    for (String transform : mapping.getTransforms()) {
                        value = FieldTransforms.apply(transform, value, mapping.getName());
                        number |= FieldTransforms.isNumber(transform);
                    }
                }
                out.add(new MappedField(mapping.getName(), value, number));
            }
            return out;
        }
        Map<String, String> simple = mapFields(leadFields, config.getFieldMapping());
        simple.forEach((name, value) -> out.add(new MappedField(name, value, false)));
        return out;
    }

    /** Advertiser name -> lead field; an empty mapping sends the lead's fields as they are. Sorted by name. */
    static Map<String, String> mapFields(Map<String, String> leadFields, Map<String, String> mapping) {
        Map<String, String> out = new TreeMap<>();
        if (mapping == null || mapping.isEmpty()) {
            out.putAll(leadFields);
            return out;
        }
        mapping.forEach((advertiserName, leadField) -> {
            String value = leadFields.get(leadField);
            if (value != null) {
                out.put(advertiserName, value);
            }
        });
        return out;
    }

    private static Template parse(String text, String where) {
        try {
            return Template.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RequestRenderException(where + ": " + e.getMessage());
        }
    }

    /** Placeholders only in path and query: a value can never change the scheme, host or port. */
    private static HttpUrl url(Template template, Context context) {
        String text = template.text();
        int schemeEnd = text.indexOf("://");
        int authorityEnd = schemeEnd < 0 ? -1 : indexOfAny(text, schemeEnd + 3, "/?#");
        int origin = authorityEnd < 0 ? text.length() : authorityEnd;
        int queryStart = text.indexOf('?');
        for (Template.Placeholder placeholder : template.placeholders()) {
            if (placeholder.start() < origin) {
                throw new RequestRenderException("request.url: placeholders may not be in the scheme or host");
            }
        }
        String rendered = template.render(p -> {
            String value = context.raw(p);
            return value == null ? "" : percentEncode(value);
        }, s -> s);
        HttpUrl url = HttpUrl.parse(rendered);
        if (url == null || (queryStart >= 0 && queryStart < origin)) {
            throw new RequestRenderException("The event type's URL is not an absolute http(s) URL");
        }
        return url;
    }

    private static int indexOfAny(String text, int from, String chars) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** UTF-8 percent-encoding of everything but RFC 3986 unreserved characters (space is %20). */
    public static String percentEncode(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String jsonValue(Template.Placeholder placeholder, Context context) {
        String value = context.raw(placeholder);
        if (value == null) {
            return "null";
        }
        if (context.numeric(placeholder)) {
            return new BigDecimal(value).toPlainString();
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new RequestRenderException("Cannot write " + placeholder + " as JSON");
        }
    }

    private static String xmlValue(Template.Placeholder placeholder, Context context) {
        String value = context.raw(placeholder);
        return value == null ? "" : xmlEscape(value, placeholder.toString());
    }

    private static String rawValue(Template.Placeholder placeholder, Context context) {
        String value = context.raw(placeholder);
        return value == null ? "" : value;
    }

    private static byte[] json(List<MappedField> fields, boolean nest) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (MappedField field : fields) {
            Object value = field.number() ? new BigDecimal(field.value()) : field.value();
            if (!nest || !field.name().contains(".")) {
                root.put(field.name(), value);
                continue;
            }
            String[] path = field.name().split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < path.length - 1; i++) {
                Object child = node.get(path[i]);
                if (!(child instanceof Map<?, ?>)) {
                    child = new LinkedHashMap<String, Object>();
                    node.put(path[i], child);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) child;
                node = next;
            }
            node.put(path[path.length - 1], value);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new RequestRenderException("Cannot write the lead as JSON: " + e.getClass().getSimpleName());
        }
    }

    /** application/x-www-form-urlencoded: UTF-8 bytes, percent-encoded, space as '+'. */
    private static byte[] form(List<MappedField> fields) {
        StringBuilder out = new StringBuilder();
        for (MappedField field : fields) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(URLEncoder.encode(field.name(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(field.value(), StandardCharsets.UTF_8));
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String xmlLead(List<MappedField> fields) {
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><lead>");
        for (MappedField field : fields) {
            if (!XML_NAME.matcher(field.name()).matches() || field.name().toLowerCase(Locale.ROOT).startsWith("xml")) {
                throw new RequestRenderException("Field name " + field.name() + " is not an XML element name");
            }
            out.append('<').append(field.name()).append('>').append(xmlEscape(field.value(), field.name()))
                    .append("</").append(field.name()).append('>');
        }
        return out.append("</lead>").toString();
    }

    /** The template as is when it is a whole Envelope, else wrapped in a SOAP 1.1 envelope. */
    static String soapEnvelope(String content) {
        String trimmed = content.strip();
        if (ENVELOPE_START.matcher(trimmed).matches()) {
            return trimmed;
        }
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"" + SOAP_ENVELOPE_NS
                + "\"><soap:Body>" + trimmed + "</soap:Body></soap:Envelope>";
    }

    /** Text safe in element content and in quoted attributes; characters XML 1.0 cannot carry are refused. */
    static String xmlEscape(String value, String what) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                        throw new RequestRenderException(String.format(Locale.ROOT,
                                "%s has a character XML cannot carry (0x%02x)", what, (int) c));
                    }
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void authorize(Map<String, String> headers, AdvertiserAuth auth, Context context) {
        AuthScheme scheme = auth.getScheme() == null ? AuthScheme.UNKNOWN : auth.getScheme();
        switch (scheme) {
            case BASIC -> {
                String user = required(auth.getUsername(), "request.auth.username", context);
                String password = required(auth.getPassword(), "request.auth.password", context);
                putHeader(headers, "Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            }
            case BEARER -> putHeader(headers, "Authorization",
                    "Bearer " + required(auth.getToken(), "request.auth.token", context));
            case HEADER -> {
                if (auth.getHeader() == null || auth.getHeader().isBlank()) {
                    throw new RequestRenderException("request.auth.header is required for HEADER auth");
                }
                putHeader(headers, auth.getHeader().trim(), required(auth.getValue(), "request.auth.value", context));
            }
            default -> throw new RequestRenderException("request.auth.scheme must be BASIC, BEARER or HEADER");
        }
    }

    private static String required(String template, String where, Context context) {
        if (template == null || template.isBlank()) {
            throw new RequestRenderException(where + " is required");
        }
        return parse(template, where).render(p -> rawValue(p, context), s -> s);
    }

    /**
     * Header names must be HTTP tokens and values printable ASCII (or tab): a CR or LF in a value would split it
     * into a second header line (header injection), so such a request is refused rather than sent.
     */
    private static void putHeader(Map<String, String> headers, String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(AdvertiserRequestRenderer::isTokenChar)) {
            throw new RequestRenderException("Invalid header name '" + printable(name) + "'");
        }
        if (value == null) {
            throw new RequestRenderException("Header " + name + " has no value");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                throw new RequestRenderException(String.format(Locale.ROOT,
                        "Header %s has a forbidden character 0x%02x at index %d", name, (int) c, i));
            }
        }
        headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        headers.put(name, value);
    }

    static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String printable(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        name.chars().limit(64).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format(Locale.ROOT, "\\x%02x", c)));
        return out.toString();
    }
}
