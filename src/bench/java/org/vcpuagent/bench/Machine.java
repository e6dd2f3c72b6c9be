package org.vcpuagent.bench;

import org.vcpuagent.libvirt.TestLibvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Facts about this machine for the page: cores, memory, Java, libvirt, QEMU, kernel, load. */
final class Machine {

    private Machine() {
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // below
        }
        return "unknown CPU";
    }

    static long memoryMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException e) {
            // below
        }
        return -1;
    }

    static String firstLine(String... command) {
        try {
            Proc.Result r = Proc.run(Duration.ofSeconds(30), command);
            String s = (r.out() + r.err()).trim();
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    static String virshVersion() {
        try {
            Proc.Result r = Proc.run(Duration.ofSeconds(30), "virsh", "-c", "qemu:///system", "version");
            return r.out().trim().replace("\n\n", "\n").replace("\n", "; ");
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    static String describe() {
        StringBuilder b = new StringBuilder();
        b.append("| | |\n|---|---|\n");
        b.append("| CPU | ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(cpuModel()).append(" |\n");
        b.append("| Memory | ").append(memoryMiB() / 1024).append(" GiB |\n");
        b.append("| Kernel | ").append(firstLine("uname", "-sr")).append(" |\n");
        b.append("| Java | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n");
        String lib;
        try {
            lib = TestLibvirt.libraryVersion();
        } catch (RuntimeException | Error e) {
            lib = "unknown";
        }
        b.append("| libvirt (library) | ").append(lib).append(" |\n");
        b.append("| virsh version (qemu:///system) | ").append(virshVersion()).append(" |\n");
        b.append("| QEMU | ").append(firstLine("qemu-system-x86_64", "--version")).append(" |\n");
        return b.toString();
    }
}
