package org.vcpuagent.deb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command of the system's own (dpkg, apt-get, lintian, ...), run to its end with its output kept. */
record Command(List<String> args, int exitCode, String output) {

    static Command run(String... args) throws IOException, InterruptedException {
        return runIn(null, args);
    }

    static Command runIn(Path dir, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", args) + " did not end in 10 minutes:\n" + out);
        }
        return new Command(List.of(args), p.exitValue(), out);
    }

    /** Runs it and fails, with its output, unless it exits 0. */
    static String ok(String... args) throws IOException, InterruptedException {
        Command c = run(args);
        if (c.exitCode != 0) {
            throw new AssertionError(String.join(" ", args) + " exited " + c.exitCode + ":\n" + c.output);
        }
        return c.output;
    }
}
