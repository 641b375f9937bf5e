package dev.registrycache.node;

import dev.registrycache.testsupport.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of one blob that asks until it has all of it, as a patient puller does: it reads a
 * {@code 200} to the end and checks the digest, and after a {@code 503} waits what
 * {@code Retry-After} says and asks again. It writes down every answer ("ok", "503", or what
 * went wrong), so a test can assert that no client ever saw anything but the blob or a 503.
 */
final class PatientBlobClient implements Callable<List<String>> {
    private static final Duration GIVE_UP = Duration.ofMinutes(3);

    private final HttpClient http;
    private final URI url;
    private final String digest;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();
    private final boolean slow;

    PatientBlobClient(HttpClient http, String url, String digest) {
        this(http, url, digest, false);
    }

    /** {@code slow}: reads at most 16 KiB a millisecond, as a client on a slower link than the upstream's. */
    PatientBlobClient(HttpClient http, String url, String digest, boolean slow) {
        this.http = http;
        this.url = URI.create(url);
        this.digest = digest;
        this.slow = slow;
    }

    /** Bytes of the body read so far, in the current answer. */
    long bytesRead() {
        return bytesRead.get();
    }

    /** How many answers (status lines) arrived so far. */
    long answers() {
        return answers.get();
    }

    @Override
    public List<String> call() throws Exception {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(url).timeout(GIVE_UP).build(), HttpResponse.BodyHandlers.ofInputStream());
            answers.incrementAndGet();
            bytesRead.set(0);
            if (r.statusCode() == 503) {
                String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
                try (InputStream in = r.body()) {
                    in.readAllBytes();
                }
                seen.add(retryAfter == null ? "503 without Retry-After" : "503");
                if (retryAfter == null) {
                    return seen;
                }
                Thread.sleep(Long.parseLong(retryAfter) * 1000);
                continue;
            }
            String outcome = readAnswer(r);
            seen.add(outcome);
            return seen;
        }
        seen.add("gave up");
        return seen;
    }

    private String readAnswer(HttpResponse<InputStream> r) throws NoSuchAlgorithmException, InterruptedException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = r.body()) {
            byte[] buffer = new byte[slow ? 16 << 10 : 64 << 10];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                bytesRead.addAndGet(n);
                if (slow) {
                    Thread.sleep(1); // the pace of a slower link, not a wait for anything
                }
            }
        } catch (IOException e) {
            return r.statusCode() + ", broken after " + bytesRead.get() + " bytes: " + e;
        }
        if (r.statusCode() != 200) {
            return r.statusCode() + " (not the blob)";
        }
        String got = Sha256.format(sha.digest());
        return got.equals(digest) ? "ok" : "200 with other bytes: " + got;
    }
}
