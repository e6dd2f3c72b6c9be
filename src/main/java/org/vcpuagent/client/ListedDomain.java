package org.vcpuagent.client;

import javax.management.ObjectName;

/**
 * One domain bean as the agent lists it.
 *
 * @param connection the alias of its libvirt connection; null when the agent has a single connection
 *                   (its names then carry no {@code connection} key)
 * @param name       the domain's name
 * @param objectName the bean's full name, as the agent registered it
 */
public record ListedDomain(String connection, String name, ObjectName objectName) {
}
