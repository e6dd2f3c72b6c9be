package org.vcpuagent.ci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run's verdict from report files in surefire's format (as surefire 3.5 writes them for JUnit 5). */
class TestRunSummaryTest {

    @TempDir
    Path dir;

    record Summary(int exit, List<String> lines) {
        String last() {
            return lines.get(lines.size() - 1);
        }
    }

    private Summary summarize(String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = TestRunSummary.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Summary(exit, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private Path reports(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    /** A report as surefire writes it: one testsuite, its testcases inside. */
    private static void report(Path folder, String className, String... testcases) throws IOException {
        String body = String.join("\n", testcases);
        Files.writeString(folder.resolve("TEST-" + className + ".xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0.2" name="%s" time="0.1" \
                tests="%d" errors="0" skipped="0" failures="0">
                  <properties>
                    <property name="java.version" value="17"/>
                  </properties>
                %s
                </testsuite>
                """.formatted(className, testcases.length, body));
    }

    private static String passing(String className, String method) {
        return "<testcase name=\"" + method + "\" classname=\"" + className + "\" time=\"0.01\"/>";
    }

    private static String skipped(String className, String method, String why) {
        return "<testcase name=\"" + method + "\" classname=\"" + className + "\" time=\"0.0\">\n"
                + "<skipped type=\"org.opentest4j.TestAbortedException\"><![CDATA[org.opentest4j.TestAbortedException: "
                + "Assumption failed: " + why + "\n\tat org.junit.jupiter.api.Assumptions.throwAssumptionFailed("
                + "Assumptions.java:316)\n]]></skipped>\n</testcase>";
    }

    private static String failing(String className, String method, String tag, String message) {
        return "<testcase name=\"" + method + "\" classname=\"" + className + "\" time=\"0.2\">\n<" + tag
                + " message=\"" + message + "\" type=\"org.opentest4j.AssertionFailedError\"><![CDATA["
                + "org.opentest4j.AssertionFailedError: " + message + "\n\tat Somewhere.java:1\n]]></" + tag + ">\n</testcase>";
    }

    @Test
    void listedSkipsPassAndAreShownWithTheirReasons() throws IOException {
        Path surefire = reports("surefire-reports");
        Path failsafe = reports("failsafe-reports");
        String tls = "org.vcpuagent.security.TlsMisconfigurationTest";
        report(surefire, tls, passing(tls, "missingOrWrongKeystoreFiles"),
                skipped(tls, "anUnreadableKeystoreIsNamed", "root reads files whatever their mode"));
        report(surefire, "org.vcpuagent.xen.XenDomainTest");
        report(failsafe, "org.vcpuagent.client.ClientJarIT", passing("org.vcpuagent.client.ClientJarIT", "a"),
                passing("org.vcpuagent.client.ClientJarIT", "b"));
        Files.writeString(failsafe.resolve("failsafe-summary.xml"), "<failsafe-summary result=\"255\"/>");
        Path list = dir.resolve("expected-skips.txt");
        Files.writeString(list, "# comment\n\nTlsMisconfigurationTest#anUnreadableKeystoreIsNamed  root reads any file\n");

        Summary s = summarize("--expected-skips", list.toString(), "--allow-skip", "XenDomainTest  no Xen host here",
                surefire.toString(), failsafe.toString());

        assertEquals(0, s.exit(), s.lines().toString());
        assertEquals(List.of(
                "skips allowed (each with its reason):",
                "  TlsMisconfigurationTest#anUnreadableKeystoreIsNamed  root reads any file",
                "  XenDomainTest  no Xen host here",
                "skipped as listed: org.vcpuagent.security.TlsMisconfigurationTest#anUnreadableKeystoreIsNamed: "
                        + "Assumption failed: root reads files whatever their mode",
                "skipped as listed: org.vcpuagent.xen.XenDomainTest: ran no test (skipped in @BeforeAll, or nothing matched)",
                "3 passed, 0 failed, 2 skipped"), s.lines());
    }

    @Test
    void aClassThatRanNoTestIsAnUnexpectedSkip() throws IOException {
        Path surefire = reports("surefire-reports");
        report(surefire, "org.vcpuagent.client.ClientJarTest");
        report(surefire, "org.vcpuagent.model.CpuMapTest", passing("org.vcpuagent.model.CpuMapTest", "parses"));

        Summary s = summarize(surefire.toString());

        assertEquals(1, s.exit());
        assertTrue(s.lines().contains("UNEXPECTED SKIP: org.vcpuagent.client.ClientJarTest: ran no test (skipped in "
                + "@BeforeAll, or nothing matched)"), s.lines().toString());
        assertEquals("skips allowed (each with its reason): none", s.lines().get(0));
        assertEquals("1 passed, 0 failed, 1 skipped", s.last());
    }

    @Test
    void aListedMethodDoesNotCoverAnotherMethodOrClass() throws IOException {
        Path surefire = reports("surefire-reports");
        String c = "org.vcpuagent.client.ClientVirshParityTest";
        report(surefire, c, skipped(c, "listMatchesVirsh", "virsh is not installed"));

        Summary s = summarize("--allow-skip", "ClientVirshParityTest#otherMethod  reason",
                "--allow-skip", "VirshParityTest  a different class whose name ends alike", surefire.toString());

        assertEquals(1, s.exit());
        assertTrue(s.lines().contains("UNEXPECTED SKIP: " + c + "#listMatchesVirsh: Assumption failed: virsh is not "
                + "installed"), s.lines().toString());
        assertEquals("0 passed, 0 failed, 1 skipped", s.last());
    }

    @Test
    void failuresAndErrorsCountAsFailedWithTheirMessage() throws IOException {
        Path failsafe = reports("failsafe-reports");
        String c = "org.vcpuagent.client.ClientJarIT";
        report(failsafe, c, failing(c, "theJarDispatches", "failure", "the client loaded org.vcpuagent.jmx.*"),
                failing(c, "params(int)[2]", "error", "boom"), passing(c, "ok"));

        Summary s = summarize(failsafe.toString());

        assertEquals(1, s.exit());
        assertTrue(s.lines().contains("FAILED: " + c + "#theJarDispatches: the client loaded org.vcpuagent.jmx.*"),
                s.lines().toString());
        assertTrue(s.lines().contains("FAILED: " + c + "#params: boom"), s.lines().toString());
        assertEquals("1 passed, 2 failed, 0 skipped", s.last());
    }

    @Test
    void noReportsABadSkipListAndAFailedStepFailTheRunWithTheCountsStillLast() throws IOException {
        Path list = dir.resolve("expected-skips.txt");
        Files.writeString(list, "SomeTest#method\n");

        Summary s = summarize("--expected-skips", list.toString(), "--step-failed", "mvn verify (exit 1)",
                "--frobnicate", dir.resolve("none").toString());

        assertEquals(1, s.exit());
        assertEquals(List.of(
                "skips allowed (each with its reason): none",
                "BAD SKIP LIST: " + list + " line 1: 'SomeTest#method' has no reason: write 'TestClass#method  why it "
                        + "may be skipped' or 'TestClass  why'",
                "FAILED STEP: mvn verify (exit 1)",
                "BAD ARGUMENTS: unknown option '--frobnicate': give --expected-skips FILE, --allow-skip "
                        + "'CLASS[#METHOD]  REASON' or --step-failed TEXT, then the report folders",
                "NO REPORTS: no TEST-*.xml in [" + dir.resolve("none") + "]: the build stopped before any test ran",
                "0 passed, 0 failed, 0 skipped"), s.lines());
    }

    @Test
    void runsAsASourceFileWithOnlyTheJdk() throws Exception {
        Path surefire = reports("surefire-reports");
        report(surefire, "org.vcpuagent.model.CpuMapTest", passing("org.vcpuagent.model.CpuMapTest", "parses"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Path.of("src/test/java/org/vcpuagent/ci/TestRunSummary.java").toAbsolutePath().toString(),
                surefire.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("skips allowed (each with its reason): none\n1 passed, 0 failed, 0 skipped\n", out);
    }
}
