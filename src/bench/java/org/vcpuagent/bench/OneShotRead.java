package org.vcpuagent.bench;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.util.TreeMap;

/**
 * The smallest remote script in Java: a fresh JVM connects over RMI, reads one domain's {@code Vcpus},
 * prints it like {@code virsh vcpuinfo} and exits. It stands for any JMX client started per call.
 *
 * <p>Usage: {@code java -cp ... OneShotRead JMX_URL DOMAIN}
 */
public final class OneShotRead {

    private OneShotRead() {
    }

    public static void main(String[] args) throws Exception {
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            ObjectName name = new ObjectName("libvirt.vcpu:type=Domain,name=" + args[1]);
            TabularData vcpus = (TabularData) mbs.getAttribute(name, "Vcpus");
            TreeMap<Integer, CompositeData> rows = new TreeMap<>();
            for (Object row : vcpus.values()) {
                CompositeData d = (CompositeData) row;
                rows.put((Integer) d.get("number"), d);
            }
            StringBuilder out = new StringBuilder();
            for (CompositeData d : rows.values()) {
                out.append("VCPU:           ").append(d.get("number")).append('\n')
                        .append("CPU:            ").append(d.get("cpu")).append('\n')
                        .append("State:          ").append(d.get("state")).append('\n')
                        .append(String.format("CPU time:       %.1fs%n", (Long) d.get("cpuTime") / 1e9))
                        .append("CPU Affinity:   ").append(d.get("affinity")).append("\n\n");
            }
            System.out.print(out);
        }
    }
}
