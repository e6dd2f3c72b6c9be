package org.vcpuagent.testsupport;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * ObjectNames written out in full in the tests, so that they check the names the agent registers
 * rather than repeat how it builds them.
 */
public final class JmxNames {

    private JmxNames() {
    }

    /** {@code text} as an ObjectName, for constants: a malformed one is a mistake in the test. */
    public static ObjectName parse(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
