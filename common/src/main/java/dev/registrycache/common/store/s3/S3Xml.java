package dev.registrycache.common.store.s3;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;

/**
 * S3's XML answers and requests, read and written with the JDK's StAX: the answers the driver
 * needs are one level of fields and lists of one kind of record each (a listing's {@code
 * Contents}, a batch delete's {@code Error}s), so one reader serves them all. DTDs and external
 * entities are off: an answer cannot make the reader fetch anything.
 */
final class S3Xml {
    private static final XMLInputFactory INPUT = XMLInputFactory.newFactory();
    private static final XMLOutputFactory OUTPUT = XMLOutputFactory.newFactory();

    static {
        INPUT.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        INPUT.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        INPUT.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
    }

    private S3Xml() {}

    /**
     * A document read: its root element's name, the text of the root's simple children, and the
     * children of the root named in the reader's {@code records}, each as its children's texts.
     */
    record Document(String root, Map<String, String> fields, Map<String, List<Map<String, String>>> records) {
        String field(String name) {
            return fields.get(name);
        }

        List<Map<String, String>> records(String name) {
            return records.getOrDefault(name, List.of());
        }
    }

    /** One object of a listing: its key in the bucket, size and last write. */
    record Listed(String key, long size, long modifiedMillis) {}

    /** A page of ListObjectsV2: its objects, the common prefixes (with a delimiter), the token of the next page (null: the last). */
    record ListPage(List<Listed> objects, List<String> prefixes, String next) {}

    /** An upload in progress found by ListMultipartUploads, and the markers of the next page (null: the last). */
    record Uploads(List<Map<String, String>> uploads, String nextKey, String nextUploadId) {}

    static Document read(byte[] xml, Set<String> records) throws IOException {
        try {
            XMLStreamReader in = INPUT.createXMLStreamReader(new ByteArrayInputStream(xml));
            try {
                return read(in, records);
            } finally {
                in.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException("an answer that is not S3's XML (" + e.getMessage() + "): " + excerpt(xml), e);
        }
    }

    private static Document read(XMLStreamReader in, Set<String> records) throws XMLStreamException {
        String root = null;
        Map<String, String> fields = new HashMap<>();
        Map<String, List<Map<String, String>>> lists = new HashMap<>();
        Map<String, String> record = null;
        StringBuilder text = new StringBuilder();
        int depth = 0;
        while (in.hasNext()) {
            int event = in.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
                text.setLength(0);
                String name = in.getLocalName();
                if (depth == 1) {
                    root = name;
                } else if (depth == 2 && records.contains(name)) {
                    record = new HashMap<>();
                    lists.computeIfAbsent(name, n -> new ArrayList<>()).add(record);
                }
            } else if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA) {
                text.append(in.getText());
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                String name = in.getLocalName();
                if (depth == 2 && record == null) {
                    fields.put(name, text.toString());
                } else if (depth == 2) {
                    record = null;
                } else if (depth == 3 && record != null) {
                    record.put(name, text.toString());
                }
                text.setLength(0);
                depth--;
            }
        }
        return new Document(root, fields, lists);
    }

    /** A ListObjectsV2 answer. */
    static ListPage listPage(byte[] xml) throws IOException {
        Document doc = expect(read(xml, Set.of("Contents", "CommonPrefixes")), "ListBucketResult", xml);
        List<Listed> objects = new ArrayList<>();
        for (Map<String, String> c : doc.records("Contents")) {
            objects.add(new Listed(c.get("Key"), number(c.get("Size"), xml), wholeSeconds(c.get("LastModified"), xml)));
        }
        List<String> prefixes = new ArrayList<>();
        for (Map<String, String> p : doc.records("CommonPrefixes")) {
            prefixes.add(p.get("Prefix"));
        }
        boolean truncated = "true".equals(doc.field("IsTruncated"));
        String next = doc.field("NextContinuationToken");
        if (truncated && (next == null || next.isEmpty())) {
            throw new IOException("a truncated listing without its NextContinuationToken: " + excerpt(xml));
        }
        return new ListPage(objects, prefixes, truncated ? next : null);
    }

    /** The UploadId of an InitiateMultipartUploadResult. */
    static String uploadId(byte[] xml) throws IOException {
        String id = expect(read(xml, Set.of()), "InitiateMultipartUploadResult", xml)
                .field("UploadId");
        if (id == null || id.isEmpty()) {
            throw new IOException("a new multipart upload without its UploadId: " + excerpt(xml));
        }
        return id;
    }

    /** A ListMultipartUploads answer. */
    static Uploads uploads(byte[] xml) throws IOException {
        Document doc = expect(read(xml, Set.of("Upload")), "ListMultipartUploadsResult", xml);
        boolean truncated = "true".equals(doc.field("IsTruncated"));
        return new Uploads(
                doc.records("Upload"),
                truncated ? doc.field("NextKeyMarker") : null,
                truncated ? doc.field("NextUploadIdMarker") : null);
    }

    /**
     * The ETag of an object copied (CopyObjectResult) or of a part (CopyPartResult, which some
     * stores, s3proxy among them, call CopyObjectResult too); S3 may answer either with 200 and an
     * Error.
     */
    static String copied(byte[] xml) throws IOException {
        Document doc = read(xml, Set.of());
        String root = "CopyPartResult".equals(doc.root()) ? "CopyPartResult" : "CopyObjectResult";
        return expect(doc, root, xml).field("ETag");
    }

    /** The ETag of a completed multipart upload, which S3 may answer with 200 and an Error. */
    static String completed(byte[] xml) throws IOException {
        return expect(read(xml, Set.of()), "CompleteMultipartUploadResult", xml).field("ETag");
    }

    /** The keys a DeleteObjects answer says it could not delete, with their error codes. */
    static List<String> notDeleted(byte[] xml) throws IOException {
        List<String> failed = new ArrayList<>();
        for (Map<String, String> e :
                expect(read(xml, Set.of("Error")), "DeleteResult", xml).records("Error")) {
            failed.add(e.get("Key") + " (" + e.get("Code") + ")");
        }
        return failed;
    }

    /** The error an answer holds: {@code <Error><Code>...</Code><Message>...</Message></Error>}; null if it holds none. */
    static S3Error error(byte[] xml) {
        if (xml.length == 0) {
            return null;
        }
        try {
            Document doc = read(xml, Set.of());
            return "Error".equals(doc.root()) ? new S3Error(doc.field("Code"), doc.field("Message")) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The code and message of an S3 error answer. */
    record S3Error(String code, String message) {}

    /** An error where S3 answers 200 with a result or an error (CopyObject, CompleteMultipartUpload). */
    static final class ErrorAnswer extends IOException {
        private final transient S3Error error;

        ErrorAnswer(S3Error error) {
            super(error.code() + ": " + error.message());
            this.error = error;
        }

        S3Error error() {
            return error;
        }
    }

    private static Document expect(Document doc, String root, byte[] xml) throws IOException {
        if (root.equals(doc.root())) {
            return doc;
        }
        S3Error error = "Error".equals(doc.root()) ? new S3Error(doc.field("Code"), doc.field("Message")) : null;
        if (error != null) {
            throw new ErrorAnswer(error);
        }
        throw new IOException("expected S3's " + root + ", got: " + excerpt(xml));
    }

    /** The body of CompleteMultipartUpload: each part's number and ETag, in order. */
    static byte[] completeMultipartUpload(List<String> etags) {
        return write("CompleteMultipartUpload", out -> {
            for (int i = 0; i < etags.size(); i++) {
                out.writeStartElement("Part");
                element(out, "PartNumber", Integer.toString(i + 1));
                element(out, "ETag", etags.get(i));
                out.writeEndElement();
            }
        });
    }

    /** The body of DeleteObjects: the bucket keys, quietly (the answer lists only failures). */
    static byte[] deleteObjects(List<String> bucketKeys) {
        return write("Delete", out -> {
            element(out, "Quiet", "true");
            for (String key : bucketKeys) {
                out.writeStartElement("Object");
                element(out, "Key", key);
                out.writeEndElement();
            }
        });
    }

    private interface Body {
        void write(XMLStreamWriter out) throws XMLStreamException;
    }

    private static byte[] write(String root, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            XMLStreamWriter out = OUTPUT.createXMLStreamWriter(bytes, "UTF-8");
            out.writeStartDocument("UTF-8", "1.0");
            out.writeStartElement(root);
            out.writeDefaultNamespace("http://s3.amazonaws.com/doc/2006-03-01/");
            body.write(out);
            out.writeEndElement();
            out.writeEndDocument();
            out.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write " + root, e);
        }
        return bytes.toByteArray();
    }

    private static void element(XMLStreamWriter out, String name, String text) throws XMLStreamException {
        out.writeStartElement(name);
        out.writeCharacters(text);
        out.writeEndElement();
    }

    private static long number(String text, byte[] xml) throws IOException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("a listing with a size that is no number: " + excerpt(xml));
        }
    }

    /** An ISO-8601 time cut to whole seconds, as a HEAD's Last-Modified gives it, so that both agree. */
    private static long wholeSeconds(String text, byte[] xml) throws IOException {
        try {
            return Instant.parse(text).getEpochSecond() * 1000;
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IOException("a listing with a LastModified that is no time: " + excerpt(xml));
        }
    }

    /** The start of a body for a message: at most 300 characters, on one line. */
    static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return text.replaceAll("\\s+", " ").strip() + (body.length > 300 ? "..." : "");
    }
}
