package org.vcpuagent.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The agent's state directory ({@code state.dir}), where the logins it generates live: {@code $STATE_DIRECTORY}
 * when set (systemd's {@code StateDirectory=}), else {@code /var/lib/vcpu-agent} for root, else
 * {@code ${XDG_STATE_HOME:-~/.local/state}/vcpu-agent}. The client looks in the same place, so whoever runs it as
 * the agent's user finds the logins.
 *
 * <p>Loaded by the remote client too: it uses nothing but the JDK.
 */
public final class StateDir {

    /** For root, a system location, as Debian's packages keep theirs. */
    static final Path SYSTEM = Path.of("/var/lib/vcpu-agent");

    private StateDir() {
    }

    /** The default for this process: its environment, whether it runs as root, its home. */
    public static Path defaultForThisProcess() {
        return defaultFor(System.getenv(), isRoot(), System.getProperty("user.home"));
    }

    /** The default for a process with this environment, user and home. */
    static Path defaultFor(Map<String, String> env, boolean root, String home) {
        String systemd = env.get("STATE_DIRECTORY");
        if (systemd != null && !systemd.isBlank()) {
            // systemd may list several, separated by colons; the first is the unit's own.
            return Path.of(systemd.split(":")[0]);
        }
        if (root) {
            return SYSTEM;
        }
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".local", "state");
        return base.resolve("vcpu-agent");
    }

    /** Whether this process runs as root: the owner of /proc/self is the process's effective user. */
    public static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * Makes {@code dir} ready to hold secrets: created owner-only (0700) with its parents when missing; refused
     * when it is no directory or its group or others may write it (they could replace the files in it).
     *
     * @throws IllegalArgumentException naming the directory, what is wrong and the fix
     */
    public static void prepare(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            create(dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the state directory " + dir + " is not a directory: remove it, or give "
                    + "another with --state-dir (state.dir)");
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("the permissions of the state directory " + dir + " cannot be read: "
                    + e.getMessage() + "; give another with --state-dir (state.dir)", e);
        }
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException("the state directory " + dir + " can be written by others (mode "
                    + SecretFiles.octal(perms) + "), who could replace the logins in it: run chmod 700 " + dir
                    + ", or give another with --state-dir (state.dir)");
        }
    }

    private static void create(Path dir) {
        try {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made at the same moment by another start: checked as any existing one
            }
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("the state directory " + dir + " cannot be created (" + e
                    + "): create it owner-only (mkdir -m 700 " + dir + ") as the agent's user, or give another with "
                    + "--state-dir (state.dir)", e);
        }
    }
}
