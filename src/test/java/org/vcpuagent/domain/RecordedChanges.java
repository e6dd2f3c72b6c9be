package org.vcpuagent.domain;

import java.util.ArrayList;
import java.util.List;

/** A listener that writes down what the domain layer reported, one line per change, for tests to compare. */
public final class RecordedChanges implements VcpuChangeListener {

    private final List<String> lines = new ArrayList<>();
    private final List<Settlement> settlements = new ArrayList<>();

    @Override
    public synchronized void countChanged(int previous, int current) {
        lines.add("count " + previous + " -> " + current);
    }

    @Override
    public synchronized void pinChanged(int vcpu, String previous, String current) {
        lines.add("pin " + vcpu + " " + previous + " -> " + current);
    }

    @Override
    public synchronized void unplugPending(String message) {
        lines.add("pending");
    }

    @Override
    public synchronized void unplugSettled(Settlement settlement) {
        settlements.add(settlement);
        lines.add("settled at " + settlement.count());
    }

    /** What was reported since the last call, and forgets it. */
    public synchronized List<String> take() {
        List<String> out = List.copyOf(lines);
        lines.clear();
        return out;
    }

    public synchronized List<Settlement> settlements() {
        return List.copyOf(settlements);
    }
}
