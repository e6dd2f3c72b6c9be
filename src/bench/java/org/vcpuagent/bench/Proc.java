package org.vcpuagent.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command the way a script would (a fresh process per call) and times it from just before
 * the process is created to just after it has exited. Output goes to files, so no reader thread
 * competes with the measured process.
 */
final class Proc {

    record Result(List<String> command, int exit, String out, String err, long startNanos, long endNanos) {
        long nanos() {
            return endNanos - startNanos;
        }

        boolean ok() {
            return exit == 0;
        }

        Result check() {
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): "
                        + (err.isBlank() ? out : err).trim());
            }
            return this;
        }
    }

    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("vcpu-bench-proc");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Proc() {
    }

    static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command), Map.of());
    }

    static Result run(Duration timeout, List<String> command, Map<String, String> env) {
        File out;
        File err;
        try {
            out = Files.createTempFile(DIR, "out", ".txt").toFile();
            err = Files.createTempFile(DIR, "err", ".txt").toFile();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out).redirectError(err);
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                out.delete();
                err.delete();
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
        long end = System.nanoTime();
        try {
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(out.toPath(), StandardCharsets.ISO_8859_1),
                    Files.readString(err.toPath(), StandardCharsets.ISO_8859_1), start, end);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            out.delete();
            err.delete();
        }
    }

    static List<String> cmd(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof List<?> l) {
                l.forEach(x -> out.add(String.valueOf(x)));
            } else {
                out.add(String.valueOf(p));
            }
        }
        return out;
    }
}
