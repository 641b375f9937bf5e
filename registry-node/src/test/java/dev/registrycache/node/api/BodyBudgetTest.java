package dev.registrycache.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.testsupport.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BodyBudgetTest {
    @Test
    void refusesWithRetryAfterWhatDoesNotFitInTime() {
        BodyBudget budget = new BodyBudget(100, 50);
        BodyBudget.Share first = budget.share();
        first.reserve(80);
        RegistryException e =
                assertThrows(RegistryException.class, () -> budget.share().reserve(30));
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals(1, e.retryAfterSeconds());
        assertTrue(e.getMessage().contains("busy"), e.getMessage());
        assertThrows(RegistryException.class, () -> budget.share().reserve(101), "more than the whole budget");
        assertEquals(20, budget.availableBytes());
    }

    @Test
    void aWaitingRequestGetsTheBytesAResponseGivesBack() throws Exception {
        BodyBudget budget = new BodyBudget(100, TimeUnit.MINUTES.toMillis(1));
        BodyBudget.Share first = budget.share();
        first.reserve(100);
        BodyBudget.Share second = budget.share();
        CompletableFuture<Void> reserved = new CompletableFuture<>();
        Thread waiting = new Thread(() -> {
            second.reserve(60);
            reserved.complete(null);
        });
        waiting.start();
        Await.until(
                "the second request waits for bytes",
                Duration.ofSeconds(60),
                () -> waiting.getState() == Thread.State.TIMED_WAITING);
        assertFalse(reserved.isDone());
        first.close();
        reserved.get(1, TimeUnit.MINUTES);
        assertEquals(40, budget.availableBytes());
        second.release(10); // a body smaller than reserved
        assertEquals(50, budget.availableBytes());
        second.close();
        second.close();
        assertEquals(100, budget.availableBytes());
        assertThrows(RegistryException.class, () -> second.reserve(1), "a finished request reserves nothing");
        assertEquals(100, budget.availableBytes());
    }
}
