package org.vcpuagent.placement;

import org.w3c.dom.Document;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.StringReader;

/**
 * The JDK's DOM parser for XML from the other end of a libvirt connection: DOCTYPEs are refused, so no DTD and no
 * entity, external or internal, is ever read or expanded.
 */
final class SafeXml {

    private SafeXml() {
    }

    /** @throws IllegalArgumentException naming {@code what} when the text is not well-formed XML */
    static Document parse(String xml, String what) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            // The default handler prints to stderr; this one only throws, on fatal errors.
            b.setErrorHandler(new DefaultHandler());
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not well-formed XML in " + what + ": " + e.getMessage(), e);
        }
    }
}
