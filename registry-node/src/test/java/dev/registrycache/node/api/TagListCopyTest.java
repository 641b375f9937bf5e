package dev.registrycache.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RepositoryName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TagListCopyTest {
    private static final RepositoryName NAME = RepositoryName.parse("quay.io/team/app");

    private static String copy(String upstream) throws IOException {
        BodyChunks out = new BodyChunks(upstream.length() + 1024);
        TagListCopy.copy(new ByteArrayInputStream(upstream.getBytes(StandardCharsets.UTF_8)), out, NAME);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuffer b : out.buffers()) {
            all.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        }
        assertEquals(out.size(), all.size());
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    void renamesTheListAndCopiesTheRestExactly() throws Exception {
        assertEquals(
                "{\"name\":\"quay.io/team/app\",\"tags\":[\"v1\",\"é\",\"a/b\"],\"x\":{\"n\":1.50e3}}",
                copy("{ \"name\": \"team/app\", \"tags\": [\"v1\", \"\\u00e9\", \"a\\/b\"], \"x\": {\"n\": 1.50e3} }"));
        assertEquals("{\"tags\":null,\"name\":\"quay.io/team/app\"}", copy("{\"tags\":null}"));
    }

    @Test
    void copiesMillionsOfTagsInPieces() throws Exception {
        String tags = "{\"name\":\"team/app\",\"tags\":[" + "\"t\",".repeat(1_000_000) + "\"t\"]}";
        String copied = copy(tags);
        assertTrue(copied.startsWith("{\"name\":\"quay.io/team/app\",\"tags\":[\"t\",\"t\""), copied.substring(0, 80));
        assertEquals(tags.length() + "quay.io/".length(), copied.length());
    }

    @Test
    void refusesWhatIsNotAListOrTooLong() {
        assertThrows(IOException.class, () -> copy("[\"v1\"]"));
        assertThrows(IOException.class, () -> copy("{\"tags\":[\"v1\""));
        assertThrows(IOException.class, () -> copy("{\"tags\":[[[\"v1\""));
        assertThrows(
                IOException.class,
                () -> copy("{\"tags\":[\"" + "t".repeat(TagListCopy.MAX_BYTES + (1 << 20)) + "\"]}"));
        assertThrows(
                IOException.class,
                () -> TagListCopy.copy(
                        new ByteArrayInputStream("{\"tags\":[\"v1\"]}".getBytes()), new BodyChunks(10), NAME),
                "the body's own limit");
    }
}
