package org.vcpuagent.security;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An unprivileged Unix user for tests that play a local attacker: created with useradd when missing (CI runs
 * as root, so it can), with no home and no login shell. {@link #java} runs a JDK-only class of the test class
 * path as that user, from a copy of its class files that the user may read.
 */
final class UnprivilegedUser {

    /** The same user as {@link UnprivilegedUserIT}'s, made the same way: one test user on the machine. */
    static final String NAME = UnprivilegedUserIT.USER;

    private UnprivilegedUser() {
    }

    /** Creates the user unless it exists; skips the test when not root (only root may create users). */
    static void ensure() throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can create and become another user");
        if (run(List.of("id", "-u", NAME)).exitCode() == 0) {
            return;
        }
        Run made = run(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", NAME));
        if (made.exitCode() != 0 && run(List.of("id", "-u", NAME)).exitCode() != 0) {
            throw new AssertionError("useradd " + NAME + " failed: " + made.output());
        }
    }

    record Run(int exitCode, String output) {
    }

    static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within 90 s: " + out);
        }
        return new Run(p.exitValue(), out);
    }

    /**
     * Runs {@code main} of {@code type} (and its nested classes, which must need nothing but the JDK) in a JVM
     * of its own, as this user when {@code asUser}, else as the test's own user. Returns its output.
     */
    static String java(Class<?> type, boolean asUser, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        Path classes = copyClasses(type);
        try {
            List<String> command = new ArrayList<>();
            if (asUser) {
                command.addAll(List.of("runuser", "-u", NAME, "--"));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-XX:+UseSerialGC");
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", classes.toString(), type.getName()));
            command.addAll(List.of(args));
            return run(command).output();
        } finally {
            try (var files = Files.walk(classes)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The class files of {@code type} and its nested classes, in a folder everyone may read. */
    private static Path copyClasses(Class<?> type) throws IOException {
        Path root = Path.of(type.getProtectionDomain().getCodeSource().getLocation().getPath());
        String packagePath = type.getPackageName().replace('.', File.separatorChar);
        Path dir = Files.createTempDirectory("vcpu-agent-classes");
        Path target = Files.createDirectories(dir.resolve(packagePath));
        try (var files = Files.list(root.resolve(packagePath))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals(type.getSimpleName() + ".class") || name.startsWith(type.getSimpleName() + "$")) {
                    Files.copy(f, target.resolve(name));
                    Files.setPosixFilePermissions(target.resolve(name), PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        try (var dirs = Files.walk(dir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return dir;
    }
}
