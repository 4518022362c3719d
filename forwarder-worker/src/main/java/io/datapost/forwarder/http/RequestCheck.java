package io.datapost.forwarder.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import okhttp3.HttpUrl;

import io.datapost.schemas.AdvertiserAuth;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AuthScheme;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldMapping;

/**
 * Checks an event type's request before it is applied: templates parse, placeholders name mapped fields, the
 * URL's host is fixed, transforms and field checks are known, the body format fits the method, and secrets are
 * {@code ${env:NAME}} references only (never a value in the file); with an environment given, every referenced
 * variable must be set there. Used by {@code datapost config validate}.
 */
public final class RequestCheck {

    /** One problem: the field's path in the event type file (e.g. {@code request.auth.token}). */
    public record Problem(String field, String message) {
    }

    /** Header and query names whose values are secrets: they may only come from the environment. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(authorization|api[-_]?key|apikey|token|secret|password|passwd|^key$|^auth$).*");

    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> envNames = new HashSet<>();

    private RequestCheck() {
    }

    /**
     * @param environment where secrets will be read, to check that they are set; null skips that check
     */
    public static List<Problem> check(EventType eventType, Function<String, String> environment) {
        RequestCheck check = new RequestCheck();
        if (eventType.getFieldChecks() != null) {
            for (int i = 0; i < eventType.getFieldChecks().size(); i++) {
                FieldCheck fieldCheck = eventType.getFieldChecks().get(i);
                String problem = fieldCheck == null ? null : FieldChecks.problem(fieldCheck);
                if (problem != null) {
                    check.problem("fieldChecks[" + i + "]", problem);
                }
            }
        }
        if (eventType.getRequest() != null) {
            check.request(eventType.getRequest());
        }
        if (eventType.getIngest() != null && eventType.getIngest().getMaxBodyBytes() != null
                && eventType.getIngest().getMaxBodyBytes() < 1) {
            check.problem("ingest.maxBodyBytes", "must be positive");
        }
        if (environment != null) {
            for (String name : check.envNames) {
                String value = environment.apply(name);
                if (value == null || value.isEmpty()) {
                    check.problem("request", "secret environment variable " + name + " is not set");
                }
            }
        }
        return List.copyOf(check.problems);
    }

    /** The environment variables the request reads, sorted. */
    public static List<String> secretNames(AdvertiserRequest request) {
        RequestCheck check = new RequestCheck();
        check.request(request);
        return check.envNames.stream().sorted().toList();
    }

    private void request(AdvertiserRequest request) {
        String method = request.getMethod() == null ? "POST" : request.getMethod();
        if (!AdvertiserRequestRenderer.METHODS.contains(method)) {
            problem("request.method", "must be one of GET, POST, PUT");
        }
        String format = request.getBodyFormat() == null ? "JSON" : request.getBodyFormat();
        if (!AdvertiserRequestRenderer.BODY_FORMATS.contains(format)) {
            problem("request.bodyFormat", "must be one of JSON, FORM, XML, SOAP, NONE");
        }
        Set<String> fieldNames = mappedNames(request);

        Template url = template("request.url", request.getUrl(), fieldNames);
        if (url != null) {
            url(url);
        }
        Template body = template("request.bodyTemplate", request.getBodyTemplate(), fieldNames);
        boolean inQuery = "GET".equals(method) || "NONE".equals(format);
        if (body != null && inQuery) {
            problem("request.bodyTemplate", "a body needs POST or PUT and a body format other than NONE");
        }
        if (body != null && "FORM".equals(format)) {
            problem("request.bodyTemplate", "FORM bodies have no template: map the fields instead");
        }
        if ("SOAP".equals(format) && !inQuery && request.getBodyTemplate() == null) {
            problem("request.bodyTemplate", "SOAP needs a bodyTemplate (the soap:Body content, or a whole Envelope)");
        }
        if (request.getSoapAction() != null && !"SOAP".equals(format)) {
            problem("request.soapAction", "only for bodyFormat SOAP");
        }
        if (request.getSoapAction() != null && !printableAscii(request.getSoapAction())) {
            problem("request.soapAction", "must be printable ASCII");
        }
        if (request.getHeaders() != null) {
            request.getHeaders().forEach((name, value) -> {
                String at = "request.headers." + name;
                if (name.isEmpty() || !name.chars().allMatch(AdvertiserRequestRenderer::isTokenChar)) {
                    problem(at, "not a valid header name");
                }
                Template header = template(at, value, fieldNames);
                if (header != null && !printableAscii(value)) {
                    problem(at, "must be printable ASCII");
                }
                if (header != null && SECRET_NAME.matcher(name).matches() && hasLiteralSecret(header)) {
                    problem(at, "a secret header takes its value only from ${env:NAME}, never from the file");
                }
            });
        }
        if (request.getAuth() != null) {
            auth(request.getAuth(), fieldNames);
        }
        if (request.getConnectTimeoutMillis() <= 0) {
            problem("request.connectTimeoutMillis", "must be positive");
        }
        if (request.getTimeoutMillis() <= 0) {
            problem("request.timeoutMillis", "must be positive");
        }
        if (request.getMaxAttempts() < 1 || request.getMaxAttempts() > 10) {
            problem("request.maxAttempts", "must be between 1 and 10");
        }
        if (request.getIdempotencyHeader() != null && request.getIdempotencyHeader().isBlank()) {
            problem("request.idempotencyHeader", "must not be blank");
        }
        if (request.getMaxResponseBytes() != null && request.getMaxResponseBytes() < 1) {
            problem("request.maxResponseBytes", "must be positive");
        }
    }

    /** The advertiser field names placeholders may use; null when the lead's own fields are sent (any name). */
    private Set<String> mappedNames(AdvertiserRequest request) {
        Set<String> names = new HashSet<>();
        if (request.getFields() != null && !request.getFields().isEmpty()) {
            fields(request.getFields(), names);
            if (request.getFieldMapping() != null && !request.getFieldMapping().isEmpty()) {
                problem("request.fieldMapping", "give fields or fieldMapping, not both");
            }
            return names;
        }
        if (request.getFieldMapping() != null && !request.getFieldMapping().isEmpty()) {
            names.addAll(request.getFieldMapping().keySet());
            return names;
        }
        return null;
    }

    private void fields(List<FieldMapping> fields, Set<String> names) {
        for (int i = 0; i < fields.size(); i++) {
            FieldMapping field = fields.get(i);
            String at = "request.fields[" + i + "]";
            if (field == null) {
                continue;
            }
            if (field.getName() == null || field.getName().isBlank()) {
                problem(at + ".name", "must not be blank");
            } else if (!names.add(field.getName())) {
                problem(at + ".name", "\"" + field.getName() + "\" is mapped twice");
            }
            if (field.getConstant() != null && field.getFrom() != null) {
                problem(at + ".constant", "a constant has no from");
            }
            if (field.getConstant() != null && field.getDefaultValue() != null) {
                problem(at + ".defaultValue", "a constant has no default");
            }
            if (field.getTransforms() != null) {
                for (int t = 0; t < field.getTransforms().size(); t++) {
                    String problem = FieldTransforms.problem(field.getTransforms().get(t));
                    if (problem != null) {
                        problem(at + ".transforms[" + t + "]", problem);
                    }
                }
            }
        }
    }

    private void url(Template url) {
        String text = url.text();
        int schemeEnd = text.indexOf("://");
        int origin = schemeEnd < 0 ? text.length() : indexOfAny(text, schemeEnd + 3, "/?#");
        origin = origin < 0 ? text.length() : origin;
        for (Template.Placeholder placeholder : url.placeholders()) {
            if (placeholder.start() < origin) {
                problem("request.url", "placeholders may not be in the scheme or host: " + placeholder);
                return;
            }
        }
        HttpUrl parsed = HttpUrl.parse(url.render(p -> "x", s -> s));
        if (parsed == null) {
            problem("request.url", "must be an absolute http:// or https:// URL");
            return;
        }
        for (String name : parsed.queryParameterNames()) {
            if (SECRET_NAME.matcher(name).matches()) {
                // the raw template's value for that name must be a ${env:...}
                for (String pair : (text.contains("?") ? text.substring(text.indexOf('?') + 1) : "").split("&")) {
                    String[] nameValue = pair.split("=", 2);
                    if (nameValue[0].equals(name) && nameValue.length == 2 && !nameValue[1].isEmpty()
                            && !nameValue[1].contains("${env:")) {
                        problem("request.url", "query parameter " + name
                                + " is a secret: take it from ${env:NAME}, never from the file");
                    }
                }
            }
        }
    }

    private void auth(AdvertiserAuth auth, Set<String> fieldNames) {
        AuthScheme scheme = auth.getScheme() == null ? AuthScheme.UNKNOWN : auth.getScheme();
        switch (scheme) {
            case BASIC -> {
                if (auth.getUsername() == null || auth.getUsername().isBlank()) {
                    problem("request.auth.username", "required for BASIC");
                } else {
                    template("request.auth.username", auth.getUsername(), fieldNames);
                }
                secretOnly("request.auth.password", auth.getPassword(), "BASIC");
            }
            case BEARER -> secretOnly("request.auth.token", auth.getToken(), "BEARER");
            case HEADER -> {
                if (auth.getHeader() == null || auth.getHeader().isBlank()
                        || !auth.getHeader().chars().allMatch(AdvertiserRequestRenderer::isTokenChar)) {
                    problem("request.auth.header", "a header name is required for HEADER");
                }
                if (auth.getValue() == null) {
                    problem("request.auth.value", "required for HEADER: ${env:NAME}");
                } else {
                    Template value = template("request.auth.value", auth.getValue(), fieldNames);
                    if (value != null && value.placeholders().stream().noneMatch(p -> p.kind() == Template.Kind.ENV)) {
                        problem("request.auth.value", "the secret must come from ${env:NAME}, never from the file");
                    }
                }
            }
            default -> problem("request.auth.scheme", "must be BASIC, BEARER or HEADER");
        }
    }

    /** A secret: exactly one {@code ${env:NAME}}, nothing else. */
    private void secretOnly(String field, String value, String scheme) {
        if (value == null) {
            problem(field, "required for " + scheme + ": ${env:NAME}");
            return;
        }
        Template template = template(field, value, Set.of());
        if (template == null) {
            return;
        }
        List<Template.Placeholder> placeholders = template.placeholders();
        if (placeholders.size() != 1 || placeholders.get(0).kind() != Template.Kind.ENV
                || !value.strip().equals(placeholders.get(0).toString())) {
            problem(field, "must be exactly ${env:NAME}: secrets come from the environment, never from the file");
        }
    }

    private boolean hasLiteralSecret(Template header) {
        boolean env = header.placeholders().stream().anyMatch(p -> p.kind() == Template.Kind.ENV);
        return !env;
    }

    private Template template(String field, String text, Set<String> fieldNames) {
        if (text == null) {
            return null;
        }
        Template template;
        try {
            template = Template.parse(text);
        } catch (IllegalArgumentException e) {
            problem(field, e.getMessage());
            return null;
        }
        for (Template.Placeholder placeholder : template.placeholders()) {
            if (placeholder.kind() == Template.Kind.ENV) {
                envNames.add(placeholder.name());
            } else if (placeholder.kind() == Template.Kind.FIELD && fieldNames != null
                    && !fieldNames.contains(placeholder.name())) {
                problem(field, placeholder + " is not a mapped field (known: " + fieldNames.stream().sorted().toList()
                        + ")");
            }
        }
        return template;
    }

    private static boolean printableAscii(String value) {
        return value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c <= 0x7e));
    }

    private static int indexOfAny(String text, int from, String chars) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private void problem(String field, String message) {
        problems.add(new Problem(field, message));
    }
}
