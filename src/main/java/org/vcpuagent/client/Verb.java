package org.vcpuagent.client;

/** The client's verbs, named and shaped as virsh's, with how many positional arguments each takes. */
enum Verb {
    LIST("list", "", 0, 0),
    VCPUINFO("vcpuinfo", "DOMAIN [--pretty]", 1, 1),
    VCPUCOUNT("vcpucount", "DOMAIN", 1, 1),
    SETVCPUS("setvcpus", "DOMAIN COUNT [--config]", 2, 2),
    VCPUPIN("vcpupin", "DOMAIN [VCPU [CPULIST [--config]]]", 1, 3),
    EMULATORPIN("emulatorpin", "DOMAIN [CPULIST [--config]]", 1, 2),
    IOTHREADINFO("iothreadinfo", "DOMAIN", 1, 1),
    IOTHREADPIN("iothreadpin", "DOMAIN ID CPULIST", 3, 3),
    NUMATUNE("numatune", "DOMAIN", 1, 1),
    PLACEMENT("placement", "DOMAIN POLICY [--apply [--config]]", 2, 2),
    PLACEMENT_RESTORE("placement-restore", "DOMAIN", 1, 1);

    final String word;
    final String arguments;
    final int minArgs;
    final int maxArgs;

    Verb(String word, String arguments, int minArgs, int maxArgs) {
        this.word = word;
        this.arguments = arguments;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
    }

    /** The verb typed as {@code word}, or null. */
    static Verb of(String word) {
        for (Verb v : values()) {
            if (v.word.equals(word)) {
                return v;
            }
        }
        return null;
    }

    String synopsis() {
        return arguments.isEmpty() ? word : word + " " + arguments;
    }
}
