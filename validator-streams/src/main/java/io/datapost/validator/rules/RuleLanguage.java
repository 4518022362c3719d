package io.datapost.validator.rules;

import io.datapost.schemas.BodyParsing;
import io.datapost.schemas.Condition;
import io.datapost.schemas.VerdictClause;
import io.datapost.schemas.VerdictRule;

/** The body language a rule's expressions are written in: JSON (JSONPath), XML (XPath), or none of them. */
final class RuleLanguage {

    private RuleLanguage() {
    }

    /** JSON or XML when the rule uses JSONPath or XPath (the first one found wins); null otherwise. */
    static BodyParsing of(VerdictRule rule) {
        if (rule.getJsonPath() != null && (rule.getVerdicts() == null || rule.getVerdicts().isEmpty())) {
            return BodyParsing.JSON;
        }
        if (rule.getVerdicts() != null) {
            for (VerdictClause clause : rule.getVerdicts()) {
                BodyParsing found = of(clause.getWhen());
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    static BodyParsing of(Condition condition) {
        if (condition == null) {
            return null;
        }
        if (condition.getJsonPath() != null) {
            return BodyParsing.JSON;
        }
        if (condition.getXpath() != null) {
            return BodyParsing.XML;
        }
        for (var list : java.util.Arrays.asList(condition.getAll(), condition.getAny())) {
            if (list != null) {
                for (Condition part : list) {
                    BodyParsing found = of(part);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return of(condition.getNot());
    }
}
