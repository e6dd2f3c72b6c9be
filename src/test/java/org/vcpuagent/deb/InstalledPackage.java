package org.vcpuagent.deb;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The package this build made, installed with {@code apt-get install} for one test class, and purged again by
 * {@link #close()}. A state folder found before (a root agent run from a checkout keeps its logins there) waits
 * out the test in {@code work} and is put back. The classes that use it install the same package, so they must
 * not run at the same time: failsafe runs test classes one after the other (no forkCount or parallel set).
 */
final class InstalledPackage implements AutoCloseable {

    private final Path deb;
    private final Path work;
    private final Path savedState;

    private InstalledPackage(Path deb, Path work, Path savedState) {
        this.deb = deb;
        this.work = work;
        this.savedState = savedState;
    }

    /** Installs it; refuses when vcpu-agent is installed already, since the purge would remove the other one. */
    static InstalledPackage install(String workPrefix) throws Exception {
        Path deb = DebPackageIT.builtPackage();
        assertFalse(DebPackageIT.installed(), DebPackageIT.PACKAGE + " is installed on this machine; this test "
                + "installs and purges its own: apt-get purge " + DebPackageIT.PACKAGE + " first, or leave the test "
                + "out with -Dgroups='!deb'");
        Path work = Files.createTempDirectory(workPrefix);
        Path saved = null;
        if (Files.exists(DebPackageIT.STATE)) {
            saved = work.resolve("saved-state");
            Command.ok("mv", DebPackageIT.STATE.toString(), saved.toString());
        }
        InstalledPackage installed = new InstalledPackage(deb, work, saved);
        try {
            Command.ok("apt-get", "install", "-y", "-q", "--no-install-recommends", deb.toString());
        } catch (Exception | AssertionError e) {
            installed.close();
            throw e;
        }
        return installed;
    }

    Path deb() {
        return deb;
    }

    /** A folder of the test's own, removed by {@link #close()}. */
    Path work() {
        return work;
    }

    /** Purges the package if it is still there, puts a saved state folder back and removes {@link #work()}. */
    @Override
    public void close() throws Exception {
        if (DebPackageIT.installed()) {
            Command.run("dpkg", "--purge", DebPackageIT.PACKAGE);
        }
        if (savedState != null && !Files.exists(DebPackageIT.STATE)) {
            Command.run("mv", savedState.toString(), DebPackageIT.STATE.toString());
        }
        // Not following links: DebPackageIT's container root has bin -> usr/bin and the like.
        Command.run("rm", "-rf", "--one-file-system", work.toString());
    }
}
