package org.vcpuagent.domain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.model.QemuVcpu;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One domain's questions to its QEMU monitor ({@code query-cpus-fast}), asked through {@link BoundedCalls} so that a
 * QEMU that does not answer holds no owner: the monitor command takes the domain's job and waits for QEMU as long
 * as QEMU takes, or libvirt's 30 s for a job another call holds. At most one question per domain is out at a time,
 * and none is asked while the domain's QEMU is known to keep calls waiting. Asked by the owner thread; the time the
 * unanswered question was asked is cleared by the helper thread when it ends.
 */
final class QemuQuestions {

    private static final Logger LOG = LoggerFactory.getLogger(QemuQuestions.class);

    /**
     * How long the owner waits for QEMU's answer: far more than QEMU takes to answer a query, far less than libvirt's
     * own wait for the domain's job.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    private static final long NONE = Long.MIN_VALUE;

    private final String domainName;
    private final BoundedCalls calls;
    /** When the question still out was asked (System.nanoTime); {@link #NONE} when none is out. */
    private final AtomicLong unansweredSince = new AtomicLong(NONE);

    QemuQuestions(String domainName, BoundedCalls calls) {
        this.domainName = domainName;
        this.calls = calls;
    }

    /**
     * Asks QEMU for its vCPUs, unless a question is still out or {@code knownLate} says why QEMU would not answer.
     *
     * @param knownLate why the domain's QEMU is known to keep calls waiting (libvirt's control info), or null
     */
    QemuAnswer vcpus(Supplier<List<QemuVcpu>> query, String knownLate) {
        String out = unanswered();
        if (out != null) {
            return QemuAnswer.late(out);
        }
        if (knownLate != null) {
            return QemuAnswer.late("QEMU was not asked (query-cpus-fast) because " + knownLate);
        }
        if (!calls.hasRoom()) {
            return QemuAnswer.late("QEMU was not asked (query-cpus-fast): another domain's QEMU has not answered "
                    + "the agent's question yet, and one question is asked at a time");
        }
        long asked = System.nanoTime();
        // Set before the question goes out: its late end, which clears it, may come before the owner stops waiting.
        unansweredSince.set(asked);
        Optional<List<QemuVcpu>> answer;
        try {
            answer = calls.call("query-cpus-fast of domain '" + domainName + "'", query, ANSWER_WITHIN,
                    late -> {
                        unansweredSince.set(NONE);
                        LOG.info("domain {}: QEMU answered query-cpus-fast {} s after it was asked{}", domainName,
                                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked),
                                late.isPresent() ? "" : ", with an error");
                    });
        } catch (RuntimeException e) {
            unansweredSince.set(NONE);
            return QemuAnswer.UNAVAILABLE;
        }
        if (answer.isPresent()) {
            unansweredSince.set(NONE);
            return QemuAnswer.of(answer.get());
        }
        LOG.warn("domain {}: QEMU has not answered query-cpus-fast within {} s; its vCPU count and set stay as QEMU "
                + "last gave them, and it is not asked again until it answers", domainName, ANSWER_WITHIN.toSeconds());
        String why = unanswered();
        return QemuAnswer.late(why != null ? why : "QEMU answered query-cpus-fast only after the "
                + ANSWER_WITHIN.toSeconds() + " s the agent waits");
    }

    /** Why QEMU's answer is missing while a question is out; null when none is. Any thread. */
    String unanswered() {
        long since = unansweredSince.get();
        if (since == NONE) {
            return null;
        }
        return "QEMU has not answered query-cpus-fast for " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since)
                + " s (libvirt's vCPU information for this domain is stale, so the agent asks QEMU): its vCPU count "
                + "and set are as QEMU last gave them";
    }
}
