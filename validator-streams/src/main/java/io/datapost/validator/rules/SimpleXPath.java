package io.datapost.validator.rules;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The XPath 1.0 subset that rules use nearly always, evaluated straight on the DOM: absolute location paths of
 * name tests with {@code /} and {@code //}, {@code *} and {@code prefix:*}, and a last step {@code @name} or
 * {@code text()}; no predicates, functions or unions (those go to the JDK's XPath, which builds a DTM of the
 * whole document for every evaluation: about ten times slower on a 2 KB answer). Same results as XPath 1.0:
 * an unprefixed name matches only elements in no namespace, a prefix must be declared.
 */
final class SimpleXPath {

    private static final String NAME = "[A-Za-z_][\\w.-]*";
    private static final Pattern STEP = Pattern.compile(
            "(//|/)(@?)(?:(" + NAME + "):)?(" + NAME + "|\\*|text\\(\\))");
    private static final Pattern WHOLE = Pattern.compile("(?:(?://|/)@?(?:" + NAME + ":)?(?:" + NAME
            + "|\\*|text\\(\\)))+");

    private record Step(boolean descendant, boolean attribute, String namespace, String localName, boolean text) {
    }

    private final List<Step> steps;
    private final boolean needsSort;

    private SimpleXPath(List<Step> steps, boolean needsSort) {
        this.steps = steps;
        this.needsSort = needsSort;
    }

    /**
     * @return the compiled path, or null when the expression is outside the subset (use the full XPath then)
     * @throws ResponseDocument.InvalidExpressionException when a prefix is not declared
     */
    static SimpleXPath compile(String expression, Map<String, String> namespaces) {
        String trimmed = expression.trim();
        if (!WHOLE.matcher(trimmed).matches()) {
            return null;
        }
        List<Step> steps = new ArrayList<>();
        Matcher matcher = STEP.matcher(trimmed);
        int descendantSteps = 0;
        while (matcher.find()) {
            boolean descendant = matcher.group(1).equals("//");
            boolean attribute = !matcher.group(2).isEmpty();
            String prefix = matcher.group(3);
            String name = matcher.group(4);
            boolean text = name.equals("text()");
            if ((text && (attribute || prefix != null)) || (!steps.isEmpty() && (steps.get(steps.size() - 1).attribute()
                    || steps.get(steps.size() - 1).text()))) {
                return null; // nothing below an attribute or a text node: leave odd paths to the full XPath
            }
            String namespace = null;
            if (prefix != null) {
                namespace = namespaces.get(prefix);
                if (namespace == null) {
                    throw new ResponseDocument.InvalidExpressionException(expression,
                            "prefix " + prefix + " is not declared in rule.namespaces");
                }
            }
            descendantSteps += descendant ? 1 : 0;
            steps.add(new Step(descendant, attribute, namespace, name, text));
        }
        return new SimpleXPath(List.copyOf(steps), descendantSteps > 1);
    }

    /** The selected nodes' text, in document order. */
    List<Object> select(Document document) {
        List<Node> context = List.of(document);
        for (Step step : steps) {
            Set<Node> next = new LinkedHashSet<>();
            for (Node node : context) {
                if (step.descendant()) {
                    collectDescendants(node, step, next);
                } else {
                    collectChildren(node, step, next);
                }
            }
            context = new ArrayList<>(next);
            if (context.isEmpty()) {
                return List.of();
            }
        }
        if (needsSort) {
            context.sort((a, b) -> a == b ? 0
                    : (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) != 0 ? -1 : 1);
        }
        List<Object> values = new ArrayList<>(context.size());
        for (Node node : context) {
            values.add(node instanceof Attr attr ? attr.getValue() : node.getTextContent());
        }
        return values;
    }

    private static void collectChildren(Node node, Step step, Set<Node> out) {
        if (step.attribute()) {
            if (node instanceof Element element) {
                Attr attr = step.namespace() == null ? element.getAttributeNodeNS(null, step.localName())
                        : element.getAttributeNodeNS(step.namespace(), step.localName());
                if (attr != null) {
                    out.add(attr);
                } else if (step.localName().equals("*")) {
                    var attributes = element.getAttributes();
                    for (int i = 0; i < attributes.getLength(); i++) {
                        Node a = attributes.item(i);
                        if (!"http://www.w3.org/2000/xmlns/".equals(a.getNamespaceURI())) {
                            out.add(a);
                        }
                    }
                }
            }
            return;
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (matches(child, step)) {
                out.add(child);
            }
        }
    }

    /** descendant-or-self::node()/step, in document order. */
    private static void collectDescendants(Node node, Step step, Set<Node> out) {
        collectChildren(node, step, out);
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child.getNodeType() == Node.ELEMENT_NODE) {
                collectDescendants(child, step, out);
            }
        }
    }

    private static boolean matches(Node node, Step step) {
        if (step.text()) {
            return node.getNodeType() == Node.TEXT_NODE || node.getNodeType() == Node.CDATA_SECTION_NODE;
        }
        if (node.getNodeType() != Node.ELEMENT_NODE) {
            return false;
        }
        if (step.localName().equals("*") && step.namespace() == null) {
            return true;
        }
        String uri = node.getNamespaceURI();
        boolean sameNamespace = step.namespace() == null ? uri == null || uri.isEmpty() : step.namespace().equals(uri);
        return sameNamespace && (step.localName().equals("*") || step.localName().equals(node.getLocalName()));
    }
}
