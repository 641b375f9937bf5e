package dev.registrycache.common.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An access log: one JSON object a line, written by a background thread so that requests never
 * wait for the disk. Each node writes one, and the gateway one for the requests it answers itself
 * (stored blobs, refusals); the health and metrics probes are left out. The logger process
 * tails these files to keep blob access times honest. Fields:
 *
 * <pre>
 * time        ISO-8601 instant the request completed
 * registry    the upstream whose node (or whose part of the store) answered (quay.io); absent when
 *             the gateway refused the request before it knew
 * method      GET | HEAD | ...
 * path        the request path
 * kind        base | manifest | blob | tags (absent for non-API paths)
 * repository  the name as the client asked (quay.io/podman/hello)
 * reference   the tag or digest asked for
 * digest      the digest served (for a tag: what it resolved to)
 * status      HTTP status
 * bytes       body bytes written
 * cache       hit | miss | stale | pass | none
 * durationMs  from request start to completion
 * error       the OCI error code, when there was one
 * client      remote address
 * </pre>
 */
public final class AccessLog implements RequestLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** The file is rotated to {@code .1} past this size, so the log dir stays bounded. */
    static final long ROTATE_BYTES = 16L * 1024 * 1024;

    private final Path file;
    private final String registry;
    private final Metrics.Counter requests;
    private final Metrics.Counter served;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /** {@code registry}: the one a node serves; a request's {@link RequestFacts#registry}, when set, wins. */
    public AccessLog(Path file, String registry, Metrics metrics) throws IOException {
        this.file = file;
        this.registry = registry;
        this.requests = metrics.counter(
                "registry_cache_requests_total",
                "Registry API requests answered (by the nodes; stored blobs by the gateway), by kind, cache outcome (hit, miss, stale, pass, none) and status",
                "registry",
                "kind",
                "cache",
                "code");
        this.served = metrics.counter(
                "registry_cache_served_bytes_total",
                "Body bytes sent to clients, by where they came from (cache or upstream)",
                "registry",
                "source");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                .close();
        this.writer = new Thread(this::drain, "access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Logs the request, unless it is a probe: those come every few seconds, and tell no one anything. */
    @Override
    public void log(Request request, Response response) {
        if (MetricsHandler.isProbe(request.getHttpURI().getPath())) {
            return;
        }
        RequestFacts facts = RequestFacts.peek(request);
        long durationNanos = System.nanoTime() - request.getBeginNanoTime();
        String outcome = facts == null ? "none" : facts.outcome.logName();
        String registry = facts != null && facts.registry != null ? facts.registry : this.registry;
        requests.labels(
                        registry,
                        facts == null || facts.kind == null ? "other" : facts.kind,
                        outcome,
                        Integer.toString(response.getStatus()))
                .add(1);
        long bytes = Response.getContentBytesWritten(response);
        if (bytes > 0) {
            served.labels(registry, outcome.equals("miss") || outcome.equals("pass") ? "upstream" : "cache")
                    .add(bytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(AccessLogFormat.TIME, Instant.now().toString());
            writeIfSet(g, AccessLogFormat.REGISTRY, registry); // unknown for what the gateway refuses
            g.writeStringField(AccessLogFormat.METHOD, request.getMethod());
            g.writeStringField(AccessLogFormat.PATH, request.getHttpURI().getPath());
            if (facts != null) {
                writeIfSet(g, AccessLogFormat.KIND, facts.kind);
                writeIfSet(g, AccessLogFormat.REPOSITORY, facts.repository);
                writeIfSet(g, AccessLogFormat.REFERENCE, facts.reference);
                writeIfSet(g, AccessLogFormat.DIGEST, facts.digest == null ? null : facts.digest.toString());
            }
            g.writeNumberField(AccessLogFormat.STATUS, response.getStatus());
            g.writeNumberField(AccessLogFormat.BYTES, bytes);
            g.writeStringField(AccessLogFormat.CACHE, outcome);
            g.writeNumberField(AccessLogFormat.DURATION_MS, durationNanos / 1_000_000);
            if (facts != null) {
                writeIfSet(g, AccessLogFormat.ERROR, facts.error);
            }
            writeIfSet(g, AccessLogFormat.CLIENT, Request.getRemoteAddr(request));
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        out.write('\n');
        if (!queue.offer(out.toByteArray())) {
            dropped.incrementAndGet();
        }
    }

    private static void writeIfSet(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private void drain() {
        List<byte[]> batch = new ArrayList<>();
        OutputStream out = null;
        long written = 0;
        while (!closed || !queue.isEmpty()) {
            try {
                byte[] first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 4096);
                if (out == null || !Files.exists(file)) {
                    if (out != null) {
                        out.close();
                    }
                    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    written = Files.size(file);
                }
                for (byte[] line : batch) {
                    out.write(line);
                    written += line.length;
                }
                out.flush();
                if (written >= ROTATE_BYTES) {
                    out.close();
                    out = null;
                    Files.move(
                            file,
                            LogDirLayout.rotated(file),
                            StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    LOG.warn("access log fell behind: {} lines dropped", lost);
                }
            } catch (InterruptedException e) {
                closed = true;
            } catch (IOException e) {
                LOG.warn("cannot write access log {}: {}", file, Reasons.of(e));
                out = null;
            } finally {
                batch.clear();
            }
        }
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more to write
            }
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        writer.join(5_000);
    }
}
