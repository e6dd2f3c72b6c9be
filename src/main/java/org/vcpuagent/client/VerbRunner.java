package org.vcpuagent.client;

import org.vcpuagent.model.NumaTune;
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
        if (cl.verb == Verb.LIST) {
            return list();
        }
        // The name an agent with a single connection gives the domain (or the one --connection
        // names) is tried first: the usual case costs no lookup.
        RemoteDomain first = agent.domainUnchecked(cl.connection, cl.domain());
        try {
            return on(first);
        } catch (DomainNotFoundException notThere) {
            // Says precisely why (unknown alias, several connections, nowhere), or finds it on the one
            // connection that has it. A bean of another name than the first means the first never
            // existed (an agent names all its beans with the key or all without), so no call before
            // this one changed anything and running the verb again is safe.
            RemoteDomain found = agent.domain(cl.connection, cl.domain());
            if (found.objectName().equals(first.objectName())) {
                throw notThere;
            }
            return on(found);
        }
    }

    private String on(RemoteDomain d) {
        return switch (cl.verb) {
            case LIST -> throw new IllegalStateException("list addresses no domain");
            case VCPUINFO -> vcpuinfo(d);
            case VCPUCOUNT -> vcpucount(d);
            case SETVCPUS -> setvcpus(d);
            case VCPUPIN -> vcpupin(d);
            case EMULATORPIN -> emulatorpin(d);
            case IOTHREADINFO -> iothreadinfo(d);
            case IOTHREADPIN -> iothreadpin(d);
            case NUMATUNE -> numatune(d);
            case PLACEMENT -> placement(d);
            case PLACEMENT_RESTORE -> placementRestore(d);
        };
    }

    private String list() {
        List<ListedDomain> listed = listed();
        boolean several = listed.stream().anyMatch(d -> d.connection() != null);
        JsonWriter json = cl.json ? new JsonWriter().beginObject().name("domains").beginArray() : null;
        List<List<String>> rows = new ArrayList<>();
        for (ListedDomain listedDomain : listed) {
            Map<String, Object> a;
            try {
                a = agent.domain(listedDomain).attributes("State", "VcpuCount", "MaxVcpus");
            } catch (DomainNotFoundException gone) {
                continue; // stopped between the listing and the look
            }
            if (json != null) {
                json.beginObject().member("name", listedDomain.name());
                if (listedDomain.connection() != null) {
                    json.member("connection", listedDomain.connection());
                }
                json.member("state", (String) a.get("State")).member("vcpuCount", (Number) a.get("VcpuCount"))
                        .member("maxVcpus", (Number) a.get("MaxVcpus")).endObject();
            } else {
                List<String> row = new ArrayList<>(4);
                if (several) {
                    row.add(text(listedDomain.connection()));
                }
                row.addAll(List.of(listedDomain.name(), text(a.get("State")), text(a.get("VcpuCount"))));
                rows.add(row);
            }
        }
        return json != null ? json.endArray().endObject() + "\n" : VirshFormat.list(rows, several);
    }

    /** Every domain, or with --connection that connection's, refusing an alias the agent does not have. */
    private List<ListedDomain> listed() {
        List<ListedDomain> all = agent.listDomains();
        if (cl.connection == null) {
            return all;
        }
        List<ListedDomain> on = all.stream().filter(d -> cl.connection.equals(d.connection())).toList();
        if (on.isEmpty()) {
            List<String> known = agent.connections();
            if (!known.contains(cl.connection)) {
                throw new UnknownConnectionException(cl.connection, known);
            }
        }
        return on;
    }

    /** A JSON object about domain {@code d}: its name, and its connection's alias when the agent has several. */
    private static JsonWriter about(RemoteDomain d) {
        JsonWriter json = new JsonWriter().beginObject().member("domain", d.name());
        return d.connectionAlias() == null ? json : json.member("connection", d.connectionAlias());
    }

    private String vcpuinfo(RemoteDomain d) {
        List<VcpuReading> vcpus = d.vcpus();
        int present = d.presentCpus();
        if (!cl.json) {
            return VirshFormat.vcpuinfo(vcpus, present, cl.pretty);
        }
        JsonWriter json = about(d).member("presentCpus", present).name("vcpus").beginArray();
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

    private String vcpucount(RemoteDomain d) {
        int max = d.maxVcpus();
        int current = d.vcpuCount();
        if (!cl.json) {
            return VirshFormat.vcpucount(max, current);
        }
        return about(d).member("maxVcpus", max).member("vcpuCount", current).endObject() + "\n";
    }

    private String setvcpus(RemoteDomain d) {
        int count = cl.number(1);
        String message = cl.config ? d.setVcpus(count, true) : d.setVcpus(count);
        if (!cl.json) {
            return message + "\n";
        }
        return about(d).member("count", count).member("persistent", cl.config).member("pending", message.startsWith("unplug pending"))
                .member("message", message).endObject() + "\n";
    }

    private String vcpupin(RemoteDomain d) {
        String cpulist = cl.optional(2);
        if (cpulist != null) {
            int vcpu = cl.number(1);
            d.pinVcpu(vcpu, cpulist, cl.config);
            return cl.json ? pins(d, Map.of(vcpu, pinOf(d, vcpu))) : "";
        }
        Map<Integer, String> pins = d.pinInfo();
        if (cl.optional(1) != null) {
            int vcpu = cl.number(1);
            pins = Map.of(vcpu, pinOf(d.name(), pins, vcpu));
        }
        return cl.json ? pins(d, pins) : VirshFormat.vcpupin(pins);
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

    private static String pins(RemoteDomain d, Map<Integer, String> pins) {
        return cpulists(d, "pins", "vcpu", pins);
    }

    /** {@code {"domain", array: [{number: N, "cpulist": L}...]}}. */
    private static String cpulists(RemoteDomain d, String array, String number, Map<Integer, String> cpulists) {
        JsonWriter json = about(d).name(array).beginArray();
        for (Map.Entry<Integer, String> e : cpulists.entrySet()) {
            json.beginObject().member(number, e.getKey()).member("cpulist", e.getValue()).endObject();
        }
        return json.endArray().endObject() + "\n";
    }

    private String emulatorpin(RemoteDomain d) {
        String cpulist = cl.optional(1);
        if (cpulist != null) {
            d.pinEmulator(cpulist, cl.config);
            if (!cl.json) {
                return "";
            }
        }
        String pin = d.emulatorPin();
        return cl.json ? about(d).member("emulatorPin", pin).endObject() + "\n" : VirshFormat.emulatorpin(pin);
    }

    private String iothreadinfo(RemoteDomain d) {
        Map<Integer, String> threads = d.ioThreads();
        return cl.json ? ioThreads(d, threads) : VirshFormat.iothreadinfo(threads);
    }

    private String iothreadpin(RemoteDomain d) {
        int id = cl.number(1);
        d.pinIoThread(id, cl.args.get(2));
        if (!cl.json) {
            return "";
        }
        String now = d.ioThreads().get(id);
        if (now == null) {
            throw new IllegalStateException("IOThread " + id + " of domain '" + d.name() + "' was pinned, then was gone");
        }
        return ioThreads(d, Map.of(id, now));
    }

    private static String ioThreads(RemoteDomain d, Map<Integer, String> threads) {
        return cpulists(d, "ioThreads", "id", threads);
    }

    private String numatune(RemoteDomain d) {
        NumaTune tune = d.numaTune();
        if (!cl.json) {
            return VirshFormat.numatune(tune.mode(), tune.nodeset());
        }
        boolean none = tune.mode().isEmpty();
        return about(d).member("mode", none ? null : tune.mode()).member("nodeset", none ? null : tune.nodeset())
                .endObject() + "\n";
    }

    private String placement(RemoteDomain d) {
        String policy = cl.args.get(1);
        String text = cl.apply ? d.applyPlacement(policy, cl.config) : d.planPlacement(policy);
        if (!cl.json) {
            return text.endsWith("\n") ? text : text + "\n";
        }
        JsonWriter json = about(d).member("applied", cl.apply).member("persistent", cl.config);
        return PlanText.members(json, text, policy).endObject() + "\n";
    }

    private String placementRestore(RemoteDomain d) {
        String text = d.restorePlacement();
        if (!cl.json) {
            return text.endsWith("\n") ? text : text + "\n";
        }
        return PlanText.restored(about(d), text).endObject() + "\n";
    }

    /** A value for a table cell; "-" when the agent could not read it. */
    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }
}
