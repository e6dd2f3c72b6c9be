package org.vcpuagent.client;

import org.vcpuagent.model.VcpuReading;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Carries out one verb against the agent and returns what to print: virsh's layout, or one JSON
 * object with {@code --json}. Nothing is printed until the verb has fully succeeded, so a failure
 * halfway never leaves half an answer on stdout.
 */
final class VerbRunner {

    private final VcpuAgentClient agent;
    private final CommandLine cl;

    VerbRunner(VcpuAgentClient agent, CommandLine cl) {
        this.agent = agent;
        this.cl = cl;
    }

    /** The output, empty when there is nothing to say (as virsh says nothing after a pin). */
    String run() {
        return switch (cl.verb) {
            case LIST -> list();
            case VCPUINFO -> vcpuinfo();
            case VCPUCOUNT -> vcpucount();
            case SETVCPUS -> setvcpus();
            case VCPUPIN -> vcpupin();
            case EMULATORPIN -> emulatorpin();
        };
    }

    private String list() {
        JsonWriter json = cl.json ? new JsonWriter().beginObject().name("domains").beginArray() : null;
        List<List<String>> rows = new ArrayList<>();
        for (String name : agent.domains()) {
            Map<String, Object> a;
            try {
                a = agent.domainUnchecked(name).attributes("State", "VcpuCount", "MaxVcpus");
            } catch (DomainNotFoundException gone) {
                continue; // stopped between the listing and the look
            }
            if (json != null) {
                json.beginObject().member("name", name).member("state", (String) a.get("State"))
                        .member("vcpuCount", (Number) a.get("VcpuCount"))
                        .member("maxVcpus", (Number) a.get("MaxVcpus")).endObject();
            } else {
                rows.add(List.of(name, text(a.get("State")), text(a.get("VcpuCount"))));
            }
        }
        return json != null ? json.endArray().endObject() + "\n" : VirshFormat.list(rows);
    }

    private String vcpuinfo() {
        RemoteDomain d = agent.domainUnchecked(cl.domain());
        List<VcpuReading> vcpus = d.vcpus();
        int present = agent.presentCpus();
        if (!cl.json) {
            return VirshFormat.vcpuinfo(vcpus, present, cl.pretty);
        }
        JsonWriter json = new JsonWriter().beginObject().member("domain", d.name()).member("presentCpus", present)
                .name("vcpus").beginArray();
        for (VcpuReading v : vcpus) {
            json.beginObject()
                    .member("number", v.number())
                    .member("state", v.state())
                    .member("cpu", v.cpu())
                    .member("cpuTime", v.cpuTime())
                    .member("affinity", v.affinity().toCpuList())
                    .member("affinityMap", v.affinity().toYesNo(present))
                    .member("wait", v.waitNs())
                    .member("delay", v.delayNs())
                    .member("halted", v.halted())
                    .member("source", v.source())
                    .endObject();
        }
        return json.endArray().endObject() + "\n";
    }

    private String vcpucount() {
        RemoteDomain d = agent.domainUnchecked(cl.domain());
        int max = d.maxVcpus();
        int current = d.vcpuCount();
        if (!cl.json) {
            return VirshFormat.vcpucount(max, current);
        }
        return new JsonWriter().beginObject().member("domain", d.name()).member("maxVcpus", max)
                .member("vcpuCount", current).endObject() + "\n";
    }

    private String setvcpus() {
        RemoteDomain d = agent.domainUnchecked(cl.domain());
        int count = cl.number(1);
        String message = cl.config ? d.setVcpus(count, true) : d.setVcpus(count);
        if (!cl.json) {
            return message + "\n";
        }
        return new JsonWriter().beginObject().member("domain", d.name()).member("count", count)
                .member("persistent", cl.config).member("pending", message.startsWith("unplug pending"))
                .member("message", message).endObject() + "\n";
    }

    private String vcpupin() {
        RemoteDomain d = agent.domainUnchecked(cl.domain());
        String cpulist = cl.optional(2);
        if (cpulist != null) {
            int vcpu = cl.number(1);
            d.pinVcpu(vcpu, cpulist);
            return cl.json ? pins(d.name(), Map.of(vcpu, pinOf(d, vcpu))) : "";
        }
        Map<Integer, String> pins = d.pinInfo();
        if (cl.optional(1) != null) {
            int vcpu = cl.number(1);
            pins = Map.of(vcpu, pinOf(d.name(), pins, vcpu));
        }
        return cl.json ? pins(d.name(), pins) : VirshFormat.vcpupin(pins);
    }

    private static String pinOf(RemoteDomain d, int vcpu) {
        return pinOf(d.name(), d.pinInfo(), vcpu);
    }

    private static String pinOf(String domain, Map<Integer, String> pins, int vcpu) {
        String pin = pins.get(vcpu);
        if (pin == null) {
            throw new IllegalArgumentException("vCPU " + vcpu + " is not present in domain '" + domain + "'"
                    + (pins.isEmpty() ? "" : ": it has vCPUs 0-" + (pins.size() - 1)));
        }
        return pin;
    }

    private static String pins(String domain, Map<Integer, String> pins) {
        JsonWriter json = new JsonWriter().beginObject().member("domain", domain).name("pins").beginArray();
        for (Map.Entry<Integer, String> e : pins.entrySet()) {
            json.beginObject().member("vcpu", e.getKey()).member("cpulist", e.getValue()).endObject();
        }
        return json.endArray().endObject() + "\n";
    }

    private String emulatorpin() {
        RemoteDomain d = agent.domainUnchecked(cl.domain());
        String cpulist = cl.optional(1);
        if (cpulist != null) {
            d.pinEmulator(cpulist);
            if (!cl.json) {
                return "";
            }
        }
        String pin = d.emulatorPin();
        return cl.json ? new JsonWriter().beginObject().member("domain", d.name()).member("emulatorPin", pin)
                .endObject() + "\n" : VirshFormat.emulatorpin(pin);
    }

    /** A value for a table cell; "-" when the agent could not read it. */
    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }
}
