// Reads every DomainVcpu MBean of a running agent over JMX and prints it, like virsh vcpuinfo.
// Usage: jshell -R-Djmx.url=service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi scripts/show-vcpus.jsh
// Add -R-Djmx.user=NAME -R-Djmx.password=SECRET when the agent requires authentication.
import javax.management.*;
import javax.management.openmbean.*;
import javax.management.remote.*;

var url = new JMXServiceURL(System.getProperty("jmx.url", "service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi"));
var env = new java.util.HashMap<String, Object>();
if (System.getProperty("jmx.user") != null) {
    env.put(JMXConnector.CREDENTIALS, new String[] {System.getProperty("jmx.user"), System.getProperty("jmx.password")});
}
try (var c = JMXConnectorFactory.connect(url, env)) {
    var mbs = c.getMBeanServerConnection();
    for (var name : new java.util.TreeSet<>(mbs.queryNames(new ObjectName("libvirt.vcpu:type=Domain,*"), null))) {
        System.out.printf("%s  state=%s  VcpuCount=%s  MaxVcpus=%s%n", name, mbs.getAttribute(name, "State"),
                mbs.getAttribute(name, "VcpuCount"), mbs.getAttribute(name, "MaxVcpus"));
        var vcpus = (TabularData) mbs.getAttribute(name, "Vcpus");
        for (var key : new java.util.TreeSet<>(vcpus.keySet().stream().map(k -> (Integer) ((java.util.List<?>) k).get(0)).toList())) {
            var row = vcpus.get(new Object[] {key});
            System.out.printf("  vCPU %d: state=%s cpu=%s cpuTime=%.1fs affinity=%s cpumap=%s%n", row.get("number"),
                    row.get("state"), row.get("cpu"), (Long) row.get("cpuTime") / 1e9, row.get("affinity"),
                    java.util.Arrays.toString((byte[]) row.get("cpumap")));
        }
    }
}
/exit
