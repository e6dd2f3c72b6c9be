package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the host's CPUs from libvirt's capabilities XML ({@code virConnectGetCapabilities}): each
 * {@code host/topology/cells/cell/cpus/cpu} with its cell, socket, die, core and siblings. The XML comes from
 * the other end of a connection, so it is parsed by {@link SafeXml}: no DTD, no external entity.
 */
public final class CapabilitiesXml {

    private CapabilitiesXml() {
    }

    /**
     * @return the CPUs listed, empty when the capabilities have no {@code <topology>} (drivers that know none)
     * @throws IllegalArgumentException when the text is not well-formed XML or a CPU's attributes are not numbers
     */
    public static List<HostCpu> cpus(String xml) {
        Document doc = SafeXml.parse(xml, "libvirt's capabilities");
        List<HostCpu> out = new ArrayList<>();
        NodeList cells = doc.getElementsByTagName("cell");
        for (int i = 0; i < cells.getLength(); i++) {
            Element cell = (Element) cells.item(i);
            if (!isHostTopologyCell(cell)) {
                continue;
            }
            int node = number(cell, "id", 0);
            NodeList cpus = cell.getElementsByTagName("cpu");
            for (int j = 0; j < cpus.getLength(); j++) {
                out.add(cpu((Element) cpus.item(j), node));
            }
        }
        return out;
    }

    private static boolean isHostTopologyCell(Element cell) {
        return cell.getParentNode() instanceof Element cellsElement && cellsElement.getTagName().equals("cells")
                && cellsElement.getParentNode() instanceof Element topology && topology.getTagName().equals("topology");
    }

    private static HostCpu cpu(Element e, int node) {
        int id = number(e, "id", -1);
        if (id < 0) {
            throw new IllegalArgumentException("a <cpu> of NUMA cell " + node + " in the capabilities has no id");
        }
        String siblings = e.getAttribute("siblings");
        CpuMap sib;
        try {
            sib = siblings.isEmpty() ? CpuMap.of(id) : CpuMap.parse(siblings, Integer.MAX_VALUE);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("siblings of CPU " + id + " in the capabilities: " + ex.getMessage());
        }
        // libvirt leaves socket_id and core_id out for CPUs whose topology the kernel does not tell.
        return new HostCpu(id, node, number(e, "socket_id", node), number(e, "die_id", 0), number(e, "core_id", id),
                sib);
    }

    private static int number(Element e, String attribute, int absent) {
        String s = e.getAttribute(attribute);
        if (s.isEmpty()) {
            return absent;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("attribute " + attribute + "='" + s + "' of <" + e.getTagName()
                    + "> in the capabilities is not a number");
        }
    }
}
