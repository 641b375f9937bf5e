package dev.registrycache.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.PeerAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PeerRingTest {
    private static final PeerAddress A = new PeerAddress("10.0.0.1", 5443);
    private static final PeerAddress B = new PeerAddress("10.0.0.2", 5443);
    private static final PeerAddress C = new PeerAddress("10.0.0.3", 5443);
    private final AtomicLong now =
            new AtomicLong(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };

    private static List<String> digests(int n) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            d.add("sha256:" + String.format("%064x", i * 7919L));
        }
        return d;
    }

    @Test
    void everyReplicaComputesTheSameOwnerAndTheBlobsSpreadOverAll() {
        PeerRing fromA = new PeerRing(A, PeerRing.staticList(List.of(A, B, C)), clock);
        PeerRing fromB =
                new PeerRing(B, PeerRing.staticList(List.of(C, A)), clock); // B not listed: added, order differs
        Map<PeerAddress, Integer> owned = new HashMap<>();
        for (String d : digests(3000)) {
            PeerAddress owner = fromA.owner(d);
            assertEquals(owner, fromB.owner(d), d);
            owned.merge(owner, 1, Integer::sum);
        }
        for (PeerAddress p : List.of(A, B, C)) {
            assertTrue(owned.getOrDefault(p, 0) > 800, "each replica owns about a third: " + owned);
        }
    }

    @Test
    void whenAReplicaGoesOnlyItsBlobsMoveAndAfterItsDownTimeItOwnsThemAgain() {
        PeerRing ring = new PeerRing(A, PeerRing.staticList(List.of(A, B, C)), clock);
        Map<String, PeerAddress> before = new HashMap<>();
        for (String d : digests(1000)) {
            before.put(d, ring.owner(d));
        }
        ring.markDown(C);
        for (String d : digests(1000)) {
            PeerAddress owner = ring.owner(d);
            if (before.get(d).equals(C)) {
                assertNotEquals(C, owner);
            } else {
                assertEquals(before.get(d), owner, "a blob of a live replica stays with it");
            }
        }
        now.addAndGet(PeerRing.DOWN_FOR.toMillis() + 1);
        for (String d : digests(1000)) {
            assertEquals(before.get(d), ring.owner(d));
        }
        ring.markDown(A); // never this replica itself
        for (String d : digests(1000)) {
            assertEquals(before.get(d), ring.owner(d));
        }
    }

    @Test
    void aDnsListIsAskedAgainAndAnEmptyAnswerKeepsTheLastList() {
        AtomicReference<List<PeerAddress>> dns = new AtomicReference<>(List.of(A, B));
        PeerRing ring = new PeerRing(A, dns::get, clock);
        assertEquals(List.of(A, B), ring.peers());
        dns.set(List.of(A, B, C));
        ring.refresh();
        assertEquals(List.of(A, B, C), ring.peers());
        dns.set(null); // the name did not resolve
        ring.refresh();
        assertEquals(List.of(A, B, C), ring.peers());
        dns.set(List.of(B));
        ring.refresh();
        assertEquals(List.of(B, A), ring.peers(), "this replica is always one of the ring");
    }

    @Test
    void peerAddressesParse() {
        assertEquals(new PeerAddress("10.0.0.1", 5443), PeerAddress.parse(" 10.0.0.1:5443 "));
        assertEquals(new PeerAddress("fd00::1", 5443), PeerAddress.parse("[fd00::1]:5443"));
        assertEquals("[fd00::1]:5443", PeerAddress.parse("[fd00::1]:5443").id());
        for (String bad : new String[] {"host", "host:", ":80", "host:0", "host:70000", "host:http"}) {
            assertThrows(IllegalArgumentException.class, () -> PeerAddress.parse(bad), bad);
        }
    }

    @Test
    void aDnsNameResolvesToEveryAddressWithThePeerPort() {
        List<PeerAddress> found = PeerRing.dns("localhost", 5443).get();
        assertTrue(found.contains(new PeerAddress("127.0.0.1", 5443)), found.toString());
        assertEquals(null, PeerRing.dns("no-such-host.invalid", 5443).get(), "no answer: the last list stays");
    }
}
