package io.datapost.validator.rules;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathEvaluationResult;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import javax.xml.xpath.XPathFactoryConfigurationException;
import javax.xml.xpath.XPathNodes;

import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import io.datapost.schemas.xml.HardenedXml;

/**
 * Parses XML answers with a parser hardened against hostile input and evaluates namespace-aware XPath 1.0 on
 * them.
 *
 * <ul>
 * <li>A DOCTYPE is refused outright: no DTD is read, no entity (internal or external) is ever defined or
 * expanded, so neither a file's content nor a billion laughs can come back through an answer.</li>
 * <li>External DTDs, schemas, XInclude and entity references are off besides; secure processing bounds entity
 * expansion and element depth in case a later parser change lets a DTD through.</li>
 * </ul>
 * Parsers and XPath objects are not thread-safe: each thread has its own.
 */
final class XmlDocuments {

    static final String DTD_REFUSED = "XML answer declares a DTD (DOCTYPE); refused unread";

    private static final int MAX_CACHED_EXPRESSIONS = 500;

    private final ThreadLocal<DocumentBuilder> builders = ThreadLocal.withInitial(XmlDocuments::newBuilder);
    private final ThreadLocal<Map<NamespacedExpression, Object>> compiled =
            ThreadLocal.withInitial(HashMap::new);
    private final ThreadLocal<XPath> xpaths = ThreadLocal.withInitial(XmlDocuments::newXPath);

    /** Parses text (already decoded with the answer's charset). */
    ResponseDocument parse(String text, Map<String, String> namespaces) throws ResponseDocument.UnreadableBodyException {
        return parse(new InputSource(new StringReader(text)), text.isBlank(), namespaces);
    }

    /** Parses bytes; the XML declaration (or UTF-8) names the encoding. */
    ResponseDocument parse(byte[] bytes, Map<String, String> namespaces) throws ResponseDocument.UnreadableBodyException {
        return parse(new InputSource(new ByteArrayInputStream(bytes)), bytes.length == 0, namespaces);
    }

    private ResponseDocument parse(InputSource source, boolean empty, Map<String, String> namespaces)
            throws ResponseDocument.UnreadableBodyException {
        if (empty) {
            throw new ResponseDocument.UnreadableBodyException("Response body is empty, expected XML");
        }
        DocumentBuilder builder = builders.get();
        Document document;
        try {
            document = builder.parse(source);
        } catch (SAXParseException e) {
            throw unreadable(e);
        } catch (SAXException | IOException e) {
            throw new ResponseDocument.UnreadableBodyException("Response body is not valid XML");
        } finally {
            builder.reset();
        }
        Map<String, String> prefixes = namespaces == null ? Map.of() : namespaces;
        return expression -> select(document, expression, prefixes);
    }

    /**
     * The parser's message names the problem and where; it never quotes the body (so a DTD's entity text cannot
     * leak through the reason).
     */
    private static ResponseDocument.UnreadableBodyException unreadable(SAXParseException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("DOCTYPE") || message.contains("disallow-doctype-decl")) {
            return new ResponseDocument.UnreadableBodyException(DTD_REFUSED, true);
        }
        return new ResponseDocument.UnreadableBodyException("Response body is not valid XML: " + firstLine(message)
                + " (line " + e.getLineNumber() + ", column " + e.getColumnNumber() + ")");
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    private List<Object> select(Document document, String expression, Map<String, String> namespaces) {
        Object compiledPath = compile(expression, namespaces);
        if (compiledPath instanceof SimpleXPath simple) {
            return simple.select(document);
        }
        XPathExpression compiledExpression = (XPathExpression) compiledPath;
        XPathEvaluationResult<?> result;
        try {
            result = compiledExpression.evaluateExpression(document, XPathEvaluationResult.class);
        } catch (XPathExpressionException e) {
            throw new ResponseDocument.InvalidExpressionException(expression, rootMessage(e));
        }
        List<Object> values = new ArrayList<>();
        switch (result.type()) {
            case NODESET -> {
                for (Node node : (XPathNodes) result.value()) {
                    values.add(node.getTextContent());
                }
            }
            case NODE -> values.add(((Node) result.value()).getTextContent());
            case BOOLEAN -> values.add(result.value());
            case NUMBER -> {
                Object number = result.value();
                if (!(number instanceof Double d && d.isNaN())) {
                    values.add(number);
                }
            }
            case STRING -> {
                String string = (String) result.value();
                if (!string.isEmpty()) {
                    values.add(string);
                }
            }
            default -> values.add(String.valueOf(result.value()));
        }
        return values;
    }

    /** A {@link SimpleXPath} when the expression is in its subset, else the JDK's compiled XPath. */
    private Object compile(String expression, Map<String, String> namespaces) {
        Map<NamespacedExpression, Object> cache = compiled.get();
        NamespacedExpression key = new NamespacedExpression(expression, namespaces);
        Object found = cache.get(key);
        if (found != null) {
            return found;
        }
        found = SimpleXPath.compile(expression, namespaces);
        if (found == null) {
            XPath xpath = xpaths.get();
            xpath.setNamespaceContext(new Prefixes(namespaces));
            try {
                found = xpath.compile(expression);
            } catch (XPathExpressionException e) {
                throw new ResponseDocument.InvalidExpressionException(expression, rootMessage(e));
            }
        }
        if (cache.size() >= MAX_CACHED_EXPRESSIONS) {
            cache.clear(); // expressions come from config: only after many config changes
        }
        cache.put(key, found);
        return found;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : firstLine(root.getMessage());
    }

    private static DocumentBuilder newBuilder() {
        DocumentBuilderFactory factory = HardenedXml.documentBuilderFactory(true);
        try {
            // answers are small and read whole: building the tree at once is faster than lazily
            factory.setFeature("http://apache.org/xml/features/dom/defer-node-expansion", false);
        } catch (ParserConfigurationException e) {
            // another parser: its default is fine
        }
        setLimit(factory, "jdk.xml.entityExpansionLimit", "1000");
        setLimit(factory, "jdk.xml.maxElementDepth", "256");
        return HardenedXml.newDocumentBuilder(factory);
    }

    private static void setLimit(DocumentBuilderFactory factory, String name, String value) {
        try {
            factory.setAttribute(name, value);
        } catch (IllegalArgumentException e) {
            // a parser without JDK limits: the DOCTYPE refusal alone keeps entities out
        }
    }

    private static XPath newXPath() {
        XPathFactory factory = XPathFactory.newInstance();
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        } catch (XPathFactoryConfigurationException e) {
            throw new IllegalStateException("This JVM's XPath cannot be put in secure processing", e);
        }
        return factory.newXPath();
    }

    private record NamespacedExpression(String expression, Map<String, String> namespaces) {
    }

    /** The event type's prefixes; the standard xml/xmlns ones as XPath requires. */
    private static final class Prefixes implements NamespaceContext {
        private final Map<String, String> byPrefix;

        Prefixes(Map<String, String> namespaces) {
            this.byPrefix = new LinkedHashMap<>(namespaces);
        }

        @Override
        public String getNamespaceURI(String prefix) {
            if (prefix == null) {
                throw new IllegalArgumentException("null prefix");
            }
            if (XMLConstants.XML_NS_PREFIX.equals(prefix)) {
                return XMLConstants.XML_NS_URI;
            }
            if (XMLConstants.XMLNS_ATTRIBUTE.equals(prefix)) {
                return XMLConstants.XMLNS_ATTRIBUTE_NS_URI;
            }
            return byPrefix.getOrDefault(prefix, XMLConstants.NULL_NS_URI);
        }

        @Override
        public String getPrefix(String namespaceUri) {
            return byPrefix.entrySet().stream().filter(e -> e.getValue().equals(namespaceUri))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }

        @Override
        public Iterator<String> getPrefixes(String namespaceUri) {
            String prefix = getPrefix(namespaceUri);
            return prefix == null ? Collections.emptyIterator() : List.of(prefix).iterator();
        }
    }
}
