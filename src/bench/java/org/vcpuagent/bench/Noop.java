package org.vcpuagent.bench;

/** Does nothing: {@code java -cp ... Noop} measures what starting a JVM alone costs. */
public final class Noop {

    private Noop() {
    }

    public static void main(String[] args) {
        // nothing: the JVM's start-up and exit are what is measured
    }
}
