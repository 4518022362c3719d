package io.datapost.schemas.xml;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The one place untrusted XML parsers are configured (partner posts at ingest, advertiser answers in the
 * validator): any DOCTYPE is refused, so no entity can be declared and no DTD is fetched; external entities,
 * external DTDs/schemas and XInclude are off; secure processing is on; parse errors never reach stderr
 * (their messages can quote the document).
 */
public final class HardenedXml {

    /** Fatal errors end the parse with their exception; nothing is printed. */
    public static final ErrorHandler SILENT_ERRORS = new ErrorHandler() {
        @Override
        public void warning(SAXParseException exception) {
        }

        @Override
        public void error(SAXParseException exception) throws SAXException {
            throw exception;
        }

        @Override
        public void fatalError(SAXParseException exception) throws SAXException {
            throw exception;
        }
    };

    private HardenedXml() {
    }

    /** A non-validating factory with every hardening above; callers may add limits of their own. */
    public static DocumentBuilderFactory documentBuilderFactory(boolean namespaceAware) {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(namespaceAware);
        factory.setValidating(false);
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("This JVM's XML parser cannot be hardened; refusing to start", e);
        }
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return factory;
    }

    /** A builder from {@code factory} that reports errors silently and refuses to resolve any entity. */
    public static DocumentBuilder newDocumentBuilder(DocumentBuilderFactory factory) {
        try {
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(SILENT_ERRORS);
            builder.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("External entities are not resolved");
            });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("Cannot create an XML parser", e);
        }
    }
}
