package org.vcpuagent.testsupport;

/** Tears down a test class's fixtures in order, every one of them even when an earlier close fails. */
public final class CloseAll {

    private CloseAll() {
    }

    /**
     * Closes each of {@code resources} that is not null (a fixture whose start was skipped or failed), in
     * the order given; the first failure is thrown at the end, later ones added to it as suppressed.
     */
    public static void inOrder(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
