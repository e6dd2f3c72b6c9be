package org.vcpuagent.domain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.model.QemuVcpu;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The owner's calls that take one domain's job and ask its QEMU ({@code query-cpus-fast} through the monitor,
 * {@code virDomainGetIOThreadInfo}), asked through {@link BoundedCalls} so that a QEMU that does not answer holds no
 * owner: such a call waits for QEMU as long as QEMU takes, or libvirt's 30 s for a job another call holds. At most one
 * question per domain is out at a time, and none is asked while the domain's QEMU is known to keep calls waiting.
 * Asked by the owner thread; the question still out is cleared by the helper thread when it ends.
 */
final class QemuQuestions {

    private static final Logger LOG = LoggerFactory.getLogger(QemuQuestions.class);

    /**
     * How long the owner waits for QEMU's answer: far more than QEMU takes to answer a query, far less than libvirt's
     * own wait for the domain's job.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    static final String QUERY_CPUS = "query-cpus-fast";

    /** A question out: which, when it was asked (System.nanoTime), and whether it is late (not answered in time). */
    private record Out(String question, long askedAt, boolean late) {
        Out markedLate() {
            return new Out(question, askedAt, true);
        }
    }

    private final String domainName;
    private final BoundedCalls calls;
    /**
     * The question out, or null: set by the owner as it asks, and marked late when the owner stops waiting; cleared
     * by the owner when it is answered in time, or by the helper that ran it when it ends late.
     */
    private final AtomicReference<Out> out = new AtomicReference<>();
    /**
     * Why QEMU's vCPUs were not asked for when the owner last wanted them, for lack of room (another domain's question
     * is out); null when they were asked. Written by the owner, read by any thread.
     */
    private volatile String vcpusNotAsked;

    QemuQuestions(String domainName, BoundedCalls calls) {
        this.domainName = domainName;
        this.calls = calls;
    }

    /**
     * QEMU's vCPUs, unless a question is still out or {@code knownLate} says why QEMU would not answer.
     *
     * @param knownLate why the domain's QEMU is known to keep calls waiting (libvirt's control info), or null
     */
    QemuAnswer vcpus(Supplier<List<QemuVcpu>> query, String knownLate) {
        String notAsked = whyNotAsked(QUERY_CPUS, knownLate);
        vcpusNotAsked = notAsked != null && !calls.hasRoom() && unanswered() == null ? notAsked : null;
        if (notAsked != null) {
            return QemuAnswer.late(notAsked);
        }
        Optional<List<QemuVcpu>> answer;
        try {
            answer = ask(QUERY_CPUS, query);
        } catch (RuntimeException e) {
            return QemuAnswer.UNAVAILABLE;
        }
        if (answer.isPresent()) {
            return QemuAnswer.of(answer.get());
        }
        String why = unanswered();
        return QemuAnswer.late(why != null ? why : "QEMU answered " + QUERY_CPUS + " only after the "
                + ANSWER_WITHIN.toSeconds() + " s the agent waits");
    }

    /**
     * Another question's answer; empty when it is not asked (a question is out, QEMU is known to keep calls waiting)
     * or not answered in time.
     *
     * @throws DomainCallException libvirt's refusal, in time
     */
    <T> Optional<T> other(String question, Supplier<T> call, String knownLate) {
        return whyNotAsked(question, knownLate) != null ? Optional.empty() : ask(question, call);
    }

    private String whyNotAsked(String question, String knownLate) {
        String pending = unanswered();
        if (pending != null) {
            return pending;
        }
        if (knownLate != null) {
            return "QEMU was not asked (" + question + ") because " + knownLate;
        }
        if (!calls.hasRoom()) {
            return "QEMU was not asked (" + question + "): another domain's QEMU has not answered the agent's "
                    + "question yet, and one question is asked at a time";
        }
        return null;
    }

    private <T> Optional<T> ask(String question, Supplier<T> call) {
        Out asked = new Out(question, System.nanoTime(), false);
        // Set before the question goes out: its late end, which clears it, may come before the owner stops waiting.
        out.set(asked);
        Optional<T> answer;
        try {
            answer = calls.call(question + " of domain '" + domainName + "'", call, ANSWER_WITHIN, late -> {
                out.set(null);
                LOG.info("domain {}: QEMU answered {} {} s after it was asked{}", domainName, question,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked.askedAt()),
                        late.isPresent() ? "" : ", with an error");
            });
        } catch (RuntimeException e) {
            out.set(null);
            throw e;
        }
        if (answer.isPresent()) {
            out.set(null);
        } else if (out.compareAndSet(asked, asked.markedLate())) {
            LOG.warn("domain {}: QEMU has not answered {} within {} s; what it gives stays as it last gave it, and it "
                    + "is not asked again until it answers", domainName, question, ANSWER_WITHIN.toSeconds());
        }
        return answer;
    }

    /** Why QEMU's vCPUs are as it last gave them although this domain's QEMU was not found late; null when not. */
    String vcpusNotAsked() {
        return vcpusNotAsked;
    }

    /** Why QEMU's answer is missing while a question is late; null when none is. Any thread. */
    String unanswered() {
        Out o = out.get();
        if (o == null || !o.late()) {
            return null;
        }
        String since = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - o.askedAt()) + " s";
        return o.question().equals(QUERY_CPUS)
                ? "QEMU has not answered query-cpus-fast for " + since + " (libvirt's vCPU information for this "
                    + "domain is stale, so the agent asks QEMU): its vCPU count and set are as QEMU last gave them"
                : "QEMU has not answered " + o.question() + " for " + since + ": figures that need QEMU are as it "
                    + "last gave them";
    }
}
