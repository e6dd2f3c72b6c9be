package org.vcpuagent.placement;

/** A policy that this host cannot meet now; the message says why and what would fit. */
public final class PlacementRefusedException extends IllegalArgumentException {

    public PlacementRefusedException(String message) {
        super(message);
    }
}
