package org.vcpuagent.common;

import javax.security.auth.Subject;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The {@link Subject} of the code running now: the authenticated JMX user inside a JMX connector call,
 * the Jolokia user inside a Jolokia request. {@code Subject.current()} from Java 18 on, where
 * {@code Subject.getSubject(AccessController.getContext())} is deprecated for removal; on 17 the
 * latter, the only way there is. Both are found once, by reflection, so this compiles and runs on either.
 */
public final class CurrentSubject {

    private static final MethodHandle CURRENT = find();

    private CurrentSubject() {
    }

    /** The current Subject, or null outside any. */
    public static Subject get() {
        try {
            return (Subject) CURRENT.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // Neither method declares a checked exception.
            throw new IllegalStateException("cannot read the current Subject", e);
        }
    }

    private static MethodHandle find() {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            return lookup.findStatic(Subject.class, "current", MethodType.methodType(Subject.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            try {
                Class<?> controller = Class.forName("java.security.AccessController");
                Class<?> context = Class.forName("java.security.AccessControlContext");
                MethodHandle getContext = lookup.findStatic(controller, "getContext", MethodType.methodType(context));
                MethodHandle getSubject = lookup.findStatic(Subject.class, "getSubject",
                        MethodType.methodType(Subject.class, context));
                return MethodHandles.collectArguments(getSubject, 0, getContext);
            } catch (ReflectiveOperationException e2) {
                e2.addSuppressed(e);
                throw new IllegalStateException("this JDK offers no way to find the current Subject", e2);
            }
        }
    }
}
