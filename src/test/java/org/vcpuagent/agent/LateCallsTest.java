package org.vcpuagent.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner's bounded wait for a call that may never return: a call that does not answer in time leaves the owner
 * after the bound, is named among the calls still waiting, takes room until it ends, and tells how it ended.
 */
class LateCallsTest {

    private static final Duration WITHIN = Duration.ofMillis(200);

    @Test
    void aCallThatAnswersInTimeIsAnsweredAndLeavesNothingWaiting() {
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        try (LateCalls calls = new LateCalls("test-calls", 1)) {
            assertEquals(Optional.of("yes"), calls.call("quick", () -> "yes", WITHIN, end -> ended.set(true)));
            assertFalse(ended.get(), "a call answered in time has no late end");
            assertTrue(calls.stillWaiting().isEmpty());
            assertTrue(calls.hasRoom());
        }
    }

    @Test
    void aCallThatHangsLeavesTheOwnerAfterTheBoundIsNamedAndEndsLate() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Optional<String>> lateEnd = new CompletableFuture<>();
        try (LateCalls calls = new LateCalls("test-calls", 1)) {
            long t = System.nanoTime();
            Optional<String> answer = calls.call("query-cpus-fast of domain 'x'", () -> {
                await(release);
                return "late";
            }, WITHIN, lateEnd::complete);
            long waitedMs = (System.nanoTime() - t) / 1_000_000;
            assertEquals(Optional.empty(), answer);
            assertTrue(waitedMs >= WITHIN.toMillis() && waitedMs < 2_000, waitedMs + " ms");
            List<LateCalls.Unanswered> waiting = calls.stillWaiting();
            assertEquals(1, waiting.size());
            assertTrue(waiting.get(0).toString().startsWith("query-cpus-fast of domain 'x' (waiting for "),
                    waiting.get(0).toString());
            assertFalse(calls.hasRoom(), "the one unanswered call takes the only room");
            assertEquals(Optional.empty(), calls.call("another", () -> "x", WITHIN, e -> {
            }), "no call starts without room");

            release.countDown();
            assertEquals(Optional.of("late"), lateEnd.get(5, TimeUnit.SECONDS));
            assertTrue(calls.stillWaiting().isEmpty());
            assertTrue(calls.hasRoom());
        }
    }

    @Test
    void aLateCallThatFailsEndsEmpty() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Optional<String>> lateEnd = new CompletableFuture<>();
        try (LateCalls calls = new LateCalls("test-calls", 1)) {
            calls.call("failing", () -> {
                await(release);
                throw new IllegalStateException("cannot acquire state change lock");
            }, WITHIN, lateEnd::complete);
            release.countDown();
            assertEquals(Optional.empty(), lateEnd.get(5, TimeUnit.SECONDS));
            assertTrue(calls.hasRoom());
        }
    }

    @Test
    void anErrorInTimeIsThrownToTheOwner() {
        try (LateCalls calls = new LateCalls("test-calls", 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> calls.call("refused", () -> {
                throw new IllegalStateException("no such domain");
            }, WITHIN, end -> {
            }));
            assertEquals("no such domain", e.getMessage());
            assertTrue(calls.hasRoom());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
