package dev.registrycache.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.registrycache.common.settings.PeerAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublicPortFilterTest {
    private static final PeerAddress SELF = new PeerAddress("10.0.0.1", 5443);
    private static final PeerAddress PEER = new PeerAddress("10.0.0.2", 5443);
    private static final PeerAddress PUBLIC = new PeerAddress("10.0.0.3", 8443);
    private static final PeerAddress LATER = new PeerAddress("10.0.0.4", 5443);

    private final Map<PeerAddress, PortProbe.Answer> answers = new HashMap<>();
    private final List<PeerAddress> asked = new ArrayList<>();

    private Map<PeerAddress, PortProbe.Answer> probe(Collection<PeerAddress> peers) {
        Map<PeerAddress, PortProbe.Answer> out = new LinkedHashMap<>();
        for (PeerAddress p : peers) {
            asked.add(p);
            out.put(p, answers.getOrDefault(p, PortProbe.Answer.NONE));
        }
        return out;
    }

    @Test
    void leavesOutEntriesThatAnswerAsPublicPortsAndAsksPeerPortsOnce() {
        answers.put(PEER, PortProbe.Answer.PEER_PORT);
        answers.put(PUBLIC, PortProbe.Answer.PUBLIC_PORT);
        PublicPortFilter filter = new PublicPortFilter(() -> List.of(SELF, PEER, PUBLIC, LATER), SELF, this::probe);

        assertEquals(List.of(SELF, PEER, LATER), filter.get(), "an entry not answering yet stays");
        assertEquals(List.of(PEER, PUBLIC, LATER), asked, "never this replica itself");

        asked.clear();
        answers.put(LATER, PortProbe.Answer.PUBLIC_PORT);
        assertEquals(List.of(SELF, PEER), filter.get(), "an entry that comes up as a public port goes");
        assertEquals(List.of(PUBLIC, LATER), asked, "a peer port is not asked again");

        asked.clear();
        answers.put(PUBLIC, PortProbe.Answer.NONE);
        answers.put(LATER, PortProbe.Answer.PEER_PORT);
        assertEquals(List.of(SELF, PEER, LATER), filter.get(), "no answer changes nothing; a peer port comes back");
    }

    @Test
    void keepsTheSourcesNoAnswer() {
        assertNull(new PublicPortFilter(() -> null, SELF, this::probe).get());
    }
}
