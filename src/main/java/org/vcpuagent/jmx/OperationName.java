package org.vcpuagent.jmx;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name JMX clients see for an operation whose Java name must differ. An MXBean cannot have an
 * operation {@code setVcpus(int)} next to an attribute {@code Vcpus}: introspection takes it for
 * the attribute's setter. {@link DescribedMBean} shows and accepts this name instead.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OperationName {
    String value();
}
