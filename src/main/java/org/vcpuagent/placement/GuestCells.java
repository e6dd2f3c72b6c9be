package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.util.Map;
import java.util.TreeMap;

/**
 * Per-guest-cell memory bindings from a domain's XML: {@code <cpu><numa><cell id cpus>} says which vCPUs a guest
 * NUMA cell has, {@code <numatune><memnode cellid mode nodeset>} where that cell's memory lives. A vCPU of a bound
 * cell is checked against its cell's nodes rather than the domain-wide {@code <memory>} binding.
 */
public final class GuestCells {

    private GuestCells() {
    }

    /**
     * @return each vCPU's binding, for the vCPUs of guest cells with a {@code <memnode>}; empty when there is none
     * @throws IllegalArgumentException when the XML is not well-formed or a cell's attributes are not cpulists
     */
    public static Map<Integer, NumaBinding> vcpuBindings(String domainXml) {
        // Without a <memnode> no cell is bound, whatever else the XML holds; most domains have none, and a
        // thorough look parses every domain's XML.
        if (!domainXml.contains("<memnode")) {
            return Map.of();
        }
        Document doc = SafeXml.parse(domainXml, "the domain's XML");
        Map<Integer, NumaBinding> byCell = new TreeMap<>();
        NodeList memnodes = doc.getElementsByTagName("memnode");
        for (int i = 0; i < memnodes.getLength(); i++) {
            Element m = (Element) memnodes.item(i);
            String nodeset = m.getAttribute("nodeset");
            if (!m.getAttribute("cellid").isEmpty() && !nodeset.isEmpty()) {
                String mode = m.getAttribute("mode").isEmpty() ? "strict" : m.getAttribute("mode");
                byCell.put(number(m.getAttribute("cellid")), new NumaBinding(mode, CpuMap.parse(nodeset, 8192)));
            }
        }
        Map<Integer, NumaBinding> byVcpu = new TreeMap<>();
        NodeList cells = doc.getElementsByTagName("cell");
        for (int i = 0; i < cells.getLength() && !byCell.isEmpty(); i++) {
            Element cell = (Element) cells.item(i);
            NumaBinding b = cell.getAttribute("id").isEmpty() ? null : byCell.get(number(cell.getAttribute("id")));
            if (b != null && !cell.getAttribute("cpus").isEmpty()) {
                Cpus.members(CpuMap.parse(cell.getAttribute("cpus"), 8192)).forEach(v -> byVcpu.put(v, b));
            }
        }
        return byVcpu;
    }

    private static int number(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("guest NUMA cell id '" + s + "' in the domain's XML is not a number");
        }
    }
}
