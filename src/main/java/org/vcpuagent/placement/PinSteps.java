package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pins a domain's threads one after another, all or nothing: vCPUs, then the emulator threads, then the
 * IOThreads; when one pin fails, those already made are put back. Called under the {@link PlacementDesk}'s lock.
 */
final class PinSteps {

    /**
     * A domain's pinning: its vCPUs' by number, its emulator threads' (null or empty: not pinned, as where
     * the driver has no emulator pinning) and its IOThreads' by id.
     */
    record Pins(List<CpuMap> vcpus, CpuMap emulator, Map<Integer, CpuMap> ioThreads) {

        Pins {
            vcpus = List.copyOf(vcpus);
            ioThreads = Collections.unmodifiableMap(new TreeMap<>(ioThreads));
        }

        static Pins of(PlacementTarget target) {
            return new Pins(target.vcpuPins(), target.emulatorPin(), target.ioThreadPins());
        }

        static Pins of(Plan plan) {
            return new Pins(plan.vcpus(), plan.emulator(), plan.ioThreads());
        }

        boolean hasEmulator() {
            return emulator != null && !emulator.isEmpty();
        }
    }

    /** One pin and how to take it back; {@code undo} null where nothing was known before. */
    private record Step(String what, Runnable pin, Runnable undo) {
    }

    private PinSteps() {
    }

    /**
     * Pins {@code wanted}; when a pin fails, puts back what {@code before} says for those already made.
     *
     * @throws IllegalStateException naming the pin that failed and whether the others were put back
     */
    static void pinAll(PlacementTarget target, Pins wanted, Pins before, boolean persistent) {
        List<Step> steps = steps(target, wanted, before, persistent);
        int made = 0;
        try {
            for (; made < steps.size(); made++) {
                steps.get(made).pin().run();
            }
        } catch (RuntimeException e) {
            String undone = undo(steps.subList(0, made));
            throw new IllegalStateException("pinning " + steps.get(made).what() + " of domain '" + target.name()
                    + "' failed: " + e.getMessage() + "; " + undone, e);
        }
    }

    private static List<Step> steps(PlacementTarget target, Pins wanted, Pins before, boolean persistent) {
        List<Step> steps = new ArrayList<>();
        for (int v = 0; v < wanted.vcpus().size(); v++) {
            int vcpu = v;
            CpuMap now = wanted.vcpus().get(v);
            CpuMap old = v < before.vcpus().size() ? before.vcpus().get(v) : null;
            steps.add(new Step("vCPU " + v, () -> target.pinVcpu(vcpu, now, persistent),
                    old == null ? null : () -> target.pinVcpu(vcpu, old, persistent)));
        }
        if (wanted.hasEmulator()) {
            steps.add(new Step("the emulator threads", () -> target.pinEmulator(wanted.emulator(), persistent),
                    before.hasEmulator() ? () -> target.pinEmulator(before.emulator(), persistent) : null));
        }
        wanted.ioThreads().forEach((id, now) -> {
            CpuMap old = before.ioThreads().get(id);
            steps.add(new Step("IOThread " + id, () -> target.pinIoThread(id, now, persistent),
                    old == null ? null : () -> target.pinIoThread(id, old, persistent)));
        });
        return steps;
    }

    private static String undo(List<Step> made) {
        if (made.isEmpty()) {
            return "nothing had been changed";
        }
        List<String> failed = new ArrayList<>();
        for (Step s : made) {
            if (s.undo() == null) {
                continue;
            }
            try {
                s.undo().run();
            } catch (RuntimeException e) {
                failed.add(s.what() + " (" + e.getMessage() + ")");
            }
        }
        return failed.isEmpty() ? "the " + made.size() + " pin(s) already made were put back"
                : "putting back the pins already made failed for " + String.join(", ", failed);
    }
}
