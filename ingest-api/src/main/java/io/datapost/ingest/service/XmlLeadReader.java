package io.datapost.ingest.service;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * A flat {@code <lead><field>value</field>...</lead>}. The parser refuses any DOCTYPE (so no entity can be
 * declared, internal or external, and no DTD is fetched) and runs with secure processing on.
 */
final class XmlLeadReader {

    static final String ROOT = "lead";
    private static final String MALFORMED = "The body is not a well-formed <lead> XML document.";

    private static final ErrorHandler FAIL_SILENTLY = new ErrorHandler() {
        // the default handler prints the parser's message to stderr; messages can quote the body
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    private final DocumentBuilderFactory factory = secureFactory();

    LeadBody read(byte[] bytes, Charset declared) {
        Document document;
        try {
            DocumentBuilder builder;
            synchronized (factory) {
                builder = factory.newDocumentBuilder();
            }
            builder.setErrorHandler(FAIL_SILENTLY);
            builder.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("external entities are refused");
            });
            InputSource source = new InputSource(new ByteArrayInputStream(bytes));
            if (declared != null) {
                // RFC 7303: the charset parameter wins over the XML declaration
                source.setEncoding(declared.name());
            }
            document = builder.parse(source);
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw LeadRejectedException.malformed(MALFORMED);
        }
        Element root = document.getDocumentElement();
        if (!ROOT.equals(root.getTagName())) {
            throw LeadRejectedException.malformed("The XML root element must be <" + ROOT + ">.");
        }
        LeadBody.Builder lead = new LeadBody.Builder();
        NodeList children = root.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node child = children.item(i);
            switch (child.getNodeType()) {
                case Node.ELEMENT_NODE -> readField((Element) child, lead);
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> {
                    if (!child.getNodeValue().isBlank()) {
                        throw LeadRejectedException.malformed("Text directly inside <" + ROOT + "> is not a field.");
                    }
                }
                default -> {
                    // comments and processing instructions carry no fields
                }
            }
        }
        return lead.build();
    }

    private static void readField(Element field, LeadBody.Builder lead) {
        StringBuilder text = new StringBuilder();
        NodeList parts = field.getChildNodes();
        for (int i = 0; i < parts.getLength(); i++) {
            Node part = parts.item(i);
            switch (part.getNodeType()) {
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> text.append(part.getNodeValue());
                case Node.ELEMENT_NODE, Node.ENTITY_REFERENCE_NODE -> {
                    lead.nested(field.getTagName());
                    return;
                }
                default -> {
                }
            }
        }
        lead.value(field.getTagName(), text.toString());
    }

    private static DocumentBuilderFactory secureFactory() {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("The XML parser cannot be made safe; refusing to start", e);
        }
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        factory.setNamespaceAware(false);
        factory.setValidating(false);
        return factory;
    }
}
