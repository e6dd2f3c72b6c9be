package org.vcpuagent.domain;

/**
 * What became of a request to change the vCPU count.
 *
 * @param pending true when libvirt timed out waiting for the guest to release vCPUs: the request
 *                is neither done nor failed yet, and a settlement will be announced
 * @param count   the count right after the request
 * @param message a sentence for the administrator
 */
public record CountChange(boolean pending, int count, String message) {
}
