package io.datapost.ingest.service;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import io.datapost.schemas.xml.HardenedXml;

/**
 * A flat {@code <lead><field>value</field>...</lead>}. The parser refuses any DOCTYPE (so no entity can be
 * declared, internal or external, and no DTD is fetched) and runs with secure processing on.
 */
final class XmlLeadReader {

    static final String ROOT = "lead";
    private static final String MALFORMED = "The body is not a well-formed <lead> XML document.";

    private final DocumentBuilderFactory factory = HardenedXml.documentBuilderFactory(false);

    LeadBody read(byte[] bytes, Charset declared) {
        Document document;
        try {
            DocumentBuilder builder;
            synchronized (factory) {
                builder = HardenedXml.newDocumentBuilder(factory);
            }
            InputSource source = new InputSource(new ByteArrayInputStream(bytes));
            if (declared != null) {
                // RFC 7303: the charset parameter wins over the XML declaration
                source.setEncoding(declared.name());
            }
            document = builder.parse(source);
        } catch (SAXException | IOException | IllegalStateException e) {
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
}
