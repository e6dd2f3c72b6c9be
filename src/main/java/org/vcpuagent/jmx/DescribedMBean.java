package org.vcpuagent.jmx;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.ImmutableDescriptor;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.OpenType;
import java.lang.reflect.InvocationTargetException;
import javax.management.MBeanException;
import javax.management.ReflectionException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An MXBean whose {@link MBeanInfo} carries the {@link Description}s written on its interface, so
 * that JConsole shows real parameter names and texts instead of {@code p0} and the attribute name.
 */
public final class DescribedMBean<T> extends StandardEmitterMBean {

    private final Class<T> mbeanInterface;
    /** JMX name and arity of each {@link OperationName}d operation, to its Java name. */
    private final Map<String, String> javaNames = new HashMap<>();
    private volatile MBeanInfo shownInfo;

    /** Attributes whose getters already return open data, served as they are; see {@link #getAttribute}. */
    private final Map<String, OpenType<?>> openDataAttributes;
    /** Their getters, looked up once: a read must not search the interface's methods. */
    private final Map<String, Method> getters = new java.util.concurrent.ConcurrentHashMap<>();

    public DescribedMBean(T implementation, Class<T> mbeanInterface, NotificationEmitter emitter) {
        this(implementation, mbeanInterface, emitter, Map.of());
    }

    /**
     * @param openDataAttributes attributes whose getters return {@code TabularData} or
     *        {@code CompositeData} of the given type. MXBean introspection would map such a getter as
     *        a Java bean (a CompositeData of size, empty, ...), so these are served directly.
     */
    public DescribedMBean(T implementation, Class<T> mbeanInterface, NotificationEmitter emitter,
                          Map<String, OpenType<?>> openDataAttributes) {
        super(implementation, mbeanInterface, true, emitter);
        this.mbeanInterface = mbeanInterface;
        this.openDataAttributes = Map.copyOf(openDataAttributes);
        for (Method m : mbeanInterface.getMethods()) {
            OperationName renamed = m.getAnnotation(OperationName.class);
            if (renamed != null) {
                javaNames.put(renamed.value() + "/" + m.getParameterCount(), m.getName());
            }
        }
    }

    /**
     * The shown MBeanInfo depends only on the interface (descriptions are static), so it is built once
     * per interface: with a thousand domains, building it per bean was a large part of registering them.
     */
    private static final Map<Class<?>, MBeanInfo> SHOWN_INFO = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanInfo info = shownInfo;
        if (info == null) {
            info = SHOWN_INFO.get(mbeanInterface);
        }
        if (info == null) {
            MBeanInfo base = super.getMBeanInfo();
            // Sorted: reflection's order differs from one start to the next, and JConsole shows it as is.
            MBeanOperationInfo[] ops = Arrays.stream(base.getOperations()).map(this::shownName)
                    .sorted(java.util.Comparator.comparing(MBeanOperationInfo::getName)
                            .thenComparingInt(o -> o.getSignature().length))
                    .toArray(MBeanOperationInfo[]::new);
            MBeanAttributeInfo[] attrs = Arrays.stream(base.getAttributes()).map(this::openDataInfo)
                    .toArray(MBeanAttributeInfo[]::new);
            info = new MBeanInfo(base.getClassName(), base.getDescription(), attrs,
                    base.getConstructors(), ops, base.getNotifications(), base.getDescriptor());
            SHOWN_INFO.putIfAbsent(mbeanInterface, info);
        }
        if (shownInfo == null) {
            shownInfo = info;
        }
        return info;
    }

    private MBeanAttributeInfo openDataInfo(MBeanAttributeInfo a) {
        OpenType<?> type = openDataAttributes.get(a.getName());
        if (type == null) {
            return a;
        }
        return new MBeanAttributeInfo(a.getName(), type.getClassName(), a.getDescription(), true, false, false,
                new ImmutableDescriptor(new String[] {"openType", "originalType"},
                        new Object[] {type, type.getClassName()}));
    }

    @Override
    public Object getAttribute(String attribute)
            throws AttributeNotFoundException, MBeanException, ReflectionException {
        if (!openDataAttributes.containsKey(attribute)) {
            return super.getAttribute(attribute);
        }
        try {
            return getters.computeIfAbsent(attribute, this::getter).invoke(getImplementation());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw new RuntimeMBeanException(re, re.getMessage());
            }
            throw new MBeanException((Exception) cause, String.valueOf(cause));
        } catch (ReflectiveOperationException e) {
            throw new ReflectionException(e);
        }
    }

    private Method getter(String attribute) {
        try {
            return mbeanInterface.getMethod("get" + attribute);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(mbeanInterface.getSimpleName() + " declares " + attribute
                    + " as open data but has no get" + attribute + "()", e);
        }
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList out = new AttributeList();
        for (String name : attributes) {
            try {
                out.add(new Attribute(name, getAttribute(name)));
            } catch (JMException | RuntimeException e) {
                // As the JMX specification asks: an attribute that cannot be read is left out.
            }
        }
        return out;
    }

    private MBeanOperationInfo shownName(MBeanOperationInfo op) {
        OperationName renamed = operation(op).getAnnotation(OperationName.class);
        if (renamed == null) {
            return op;
        }
        return new MBeanOperationInfo(renamed.value(), op.getDescription(), op.getSignature(), op.getReturnType(),
                op.getImpact(), op.getDescriptor());
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature)
            throws MBeanException, ReflectionException {
        int arity = params == null ? 0 : params.length;
        return super.invoke(javaNames.getOrDefault(actionName + "/" + arity, actionName), params, signature);
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        Description d = mbeanInterface.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        String n = info.getName();
        return Arrays.stream(mbeanInterface.getMethods())
                .filter(m -> m.getParameterCount() == 0)
                .filter(m -> m.getName().equals("get" + n) || m.getName().equals("is" + n))
                .map(m -> m.getAnnotation(Description.class))
                .filter(d -> d != null)
                .map(Description::value)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("attribute " + n + " of "
                        + mbeanInterface.getSimpleName() + " has no @Description"));
    }

    /** Every operation changes the domain, or re-reads it and notifies: none is a mere query. */
    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return MBeanOperationInfo.ACTION;
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return operation(info).getAnnotation(Description.class).value();
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return parameter(op, sequence).map(Description::name).filter(s -> !s.isEmpty())
                .orElseGet(() -> super.getParameterName(op, param, sequence));
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return parameter(op, sequence).map(Description::value)
                .orElseGet(() -> super.getDescription(op, param, sequence));
    }

    private Optional<Description> parameter(MBeanOperationInfo op, int sequence) {
        Parameter p = operation(op).getParameters()[sequence];
        return Optional.ofNullable(p.getAnnotation(Description.class));
    }

    /** Operations are told apart by name and parameter count; the interfaces keep that unique. */
    private Method operation(MBeanOperationInfo info) {
        int arity = info.getSignature().length;
        return Arrays.stream(mbeanInterface.getMethods())
                .filter(m -> m.getParameterCount() == arity)
                .filter(m -> m.getName().equals(info.getName()) || (m.isAnnotationPresent(OperationName.class)
                        && m.getAnnotation(OperationName.class).value().equals(info.getName())))
                .filter(m -> m.isAnnotationPresent(Description.class))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("operation " + info.getName() + " of "
                        + mbeanInterface.getSimpleName() + " has no @Description"));
    }
}
