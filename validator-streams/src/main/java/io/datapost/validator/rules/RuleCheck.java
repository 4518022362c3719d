package io.datapost.validator.rules;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;

import io.datapost.schemas.BodyParsing;
import io.datapost.schemas.Condition;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictClause;
import io.datapost.schemas.VerdictRule;

/**
 * Checks an event type's rule and extraction before it is applied: every expression compiles in its language
 * (JSONPath without regex filters, namespace-aware XPath with declared prefixes, RE2 regexes), verdicts are
 * ACCEPTED / REJECTED / ERROR, conditions are not empty and do not mix languages. Used by
 * {@code datapost config validate}.
 */
public final class RuleCheck {

    /** One problem: the field's path in the event type file (e.g. {@code rule.verdicts[0].when.jsonPath}). */
    public record Problem(String field, String message) {
    }

    private final List<Problem> problems = new ArrayList<>();
    private final XmlDocuments xml = new XmlDocuments();
    private Map<String, String> namespaces = Map.of();

    private RuleCheck() {
    }

    public static List<Problem> check(EventType eventType) {
        RuleCheck check = new RuleCheck();
        check.rule(eventType.getRule());
        check.extraction(eventType.getRule(), eventType.getExtraction());
        return List.copyOf(check.problems);
    }

    private void rule(VerdictRule rule) {
        if (rule == null) {
            return;
        }
        namespaces = rule.getNamespaces() == null ? Map.of() : rule.getNamespaces();
        namespaces.forEach((prefix, uri) -> {
            if (!prefix.matches("[A-Za-z_][A-Za-z0-9._-]*")) {
                problem("rule.namespaces." + prefix, "not an XML prefix");
            }
            if (uri == null || uri.isBlank()) {
                problem("rule.namespaces." + prefix, "needs a namespace URI");
            }
        });
        if (rule.getCharsetFallback() != null && !Charset.isSupported(rule.getCharsetFallback().trim())) {
            problem("rule.charsetFallback", "unknown charset " + rule.getCharsetFallback());
        }
        if (rule.getMisconfigurationWindow() != null && rule.getMisconfigurationWindow() < 1) {
            problem("rule.misconfigurationWindow", "must be at least 1");
        }
        boolean full = rule.getVerdicts() != null && !rule.getVerdicts().isEmpty();
        if (!full) {
            if (rule.getEquals() != null && rule.getJsonPath() == null) {
                problem("rule.equals", "needs rule.jsonPath (the value to compare)");
            }
            if (rule.getJsonPath() != null) {
                jsonPath("rule.jsonPath", rule.getJsonPath());
            }
            if (rule.getOtherwise() != null) {
                problem("rule.otherwise", "applies only with rule.verdicts");
            }
            return;
        }
        if (rule.getJsonPath() != null) {
            problem("rule.jsonPath", "the simple form cannot be combined with rule.verdicts: use a clause");
        }
        if (rule.getEquals() != null) {
            problem("rule.equals", "the simple form cannot be combined with rule.verdicts: use a clause");
        }
        if (rule.getOtherwise() != null) {
            verdict("rule.otherwise", rule.getOtherwise());
        }
        BodyParsing language = null;
        for (int i = 0; i < rule.getVerdicts().size(); i++) {
            VerdictClause clause = rule.getVerdicts().get(i);
            String at = "rule.verdicts[" + i + "]";
            if (clause == null) {
                continue;
            }
            verdict(at + ".outcome", clause.getOutcome());
            BodyParsing clauseLanguage = RuleLanguage.of(clause.getWhen());
            if (language != null && clauseLanguage != null && clauseLanguage != language) {
                problem(at + ".when", "mixes JSONPath and XPath in one rule: a body is read one way");
            }
            language = language == null ? clauseLanguage : language;
            condition(at + ".when", clause.getWhen());
        }
        BodyParsing parseAs = rule.getParseAs();
        if (language != null && parseAs != null && parseAs != BodyParsing.AUTO && parseAs != language) {
            problem("rule.parseAs", parseAs + " does not fit the rule's " + (language == BodyParsing.JSON
                    ? "JSONPath" : "XPath") + " conditions");
        }
    }

    private void verdict(String field, Verdict verdict) {
        if (verdict != Verdict.ACCEPTED && verdict != Verdict.REJECTED && verdict != Verdict.ERROR) {
            problem(field, "must be ACCEPTED, REJECTED or ERROR");
        }
    }

    private void condition(String at, Condition condition) {
        if (condition == null) {
            problem(at, "required");
            return;
        }
        boolean empty = (condition.getStatus() == null || condition.getStatus().isEmpty())
                && condition.getContains() == null && condition.getRegex() == null && condition.getJsonPath() == null
                && condition.getXpath() == null && (condition.getAll() == null || condition.getAll().isEmpty())
                && (condition.getAny() == null || condition.getAny().isEmpty()) && condition.getNot() == null;
        if (empty) {
            problem(at, "an empty condition always holds: give status, contains, regex, jsonPath, xpath, all, any "
                    + "or not");
        }
        if (condition.getStatus() != null) {
            for (int i = 0; i < condition.getStatus().size(); i++) {
                String problem = VerdictClassifier.StatusSpec.problem(condition.getStatus().get(i));
                if (problem != null) {
                    problem(at + ".status[" + i + "]", problem);
                }
            }
        }
        if (condition.getContains() != null && condition.getContains().isEmpty()) {
            problem(at + ".contains", "must not be empty");
        }
        if (condition.getRegex() != null) {
            regex(at + ".regex", condition.getRegex());
        }
        if (condition.getJsonPath() != null && condition.getXpath() != null) {
            problem(at, "jsonPath and xpath in one condition: use all/any");
        }
        if (condition.getJsonPath() != null) {
            jsonPath(at + ".jsonPath", condition.getJsonPath());
        }
        if (condition.getXpath() != null) {
            xpath(at + ".xpath", condition.getXpath());
        }
        if (condition.getEquals() != null && condition.getMatches() != null) {
            problem(at + ".matches", "give equals or matches, not both");
        }
        if ((condition.getEquals() != null || condition.getMatches() != null) && condition.getJsonPath() == null
                && condition.getXpath() == null) {
            problem(at + (condition.getEquals() != null ? ".equals" : ".matches"), "needs jsonPath or xpath");
        }
        if (condition.getMatches() != null) {
            regex(at + ".matches", condition.getMatches());
        }
        List<List<Condition>> lists = new ArrayList<>();
        lists.add(condition.getAll());
        lists.add(condition.getAny());
        String[] names = {"all", "any"};
        for (int l = 0; l < 2; l++) {
            if (lists.get(l) != null) {
                for (int i = 0; i < lists.get(l).size(); i++) {
                    condition(at + "." + names[l] + "[" + i + "]", lists.get(l).get(i));
                }
            }
        }
        if (condition.getNot() != null) {
            condition(at + ".not", condition.getNot());
        }
    }

    private void extraction(VerdictRule rule, Extraction extraction) {
        if (extraction == null) {
            return;
        }
        BodyParsing language = rule == null ? null
                : rule.getParseAs() != null && rule.getParseAs() != BodyParsing.AUTO ? rule.getParseAs()
                : RuleLanguage.of(rule);
        if (language == null) {
            return; // decided by each answer's Content-Type: nothing to compile against here
        }
        expression("extraction.orderId", extraction.getOrderId(), language);
        expression("extraction.amount", extraction.getAmount(), language);
        expression("extraction.reason", extraction.getReason(), language);
        if (extraction.getExtras() != null) {
            extraction.getExtras().forEach((name, expression) ->
                    expression("extraction.extras." + name, expression, language));
        }
    }

    private void expression(String field, String expression, BodyParsing language) {
        if (expression == null) {
            return;
        }
        switch (language) {
            case JSON -> jsonPath(field, expression);
            case XML -> xpath(field, expression);
            default -> regex(field, expression);
        }
    }

    private void jsonPath(String field, String expression) {
        if (expression.contains("=~")) {
            problem(field, "regex filters (=~) are not allowed in JSONPath: use a condition's matches (RE2)");
            return;
        }
        try {
            JsonPath.compile(expression);
        } catch (InvalidPathException | IllegalArgumentException e) {
            problem(field, "not a valid JSONPath: " + e.getMessage());
        } catch (RuntimeException e) {
            problem(field, "not a valid JSONPath");
        }
    }

    private void xpath(String field, String expression) {
        try {
            xml.parse("<x/>", namespaces).select(expression);
        } catch (ResponseDocument.InvalidExpressionException e) {
            problem(field, "not a valid XPath: " + e.getMessage());
        } catch (ResponseDocument.UnreadableBodyException e) {
            throw new IllegalStateException(e);
        }
    }

    private void regex(String field, String expression) {
        try {
            Pattern.compile(expression);
        } catch (PatternSyntaxException e) {
            problem(field, "not a valid RE2 regex: " + e.getDescription());
        }
    }

    private void problem(String field, String message) {
        problems.add(new Problem(field, message));
    }
}
