package org.vcpuagent.jmx;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The text JConsole, VisualVM and Jolokia show for an MBean, attribute, operation or parameter.
 * On a parameter, {@link #name()} is the name they show instead of {@code p0}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER})
public @interface Description {
    String value();

    /** Parameter name; only used on parameters. */
    String name() default "";
}
