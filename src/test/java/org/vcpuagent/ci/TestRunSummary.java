package org.vcpuagent.ci;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The verdict of a test run, from surefire's and failsafe's XML reports: one line per failed test, per skipped
 * test and per test class that ran no test (a skip in {@code @BeforeAll} leaves only "Tests run: 0"), the list of
 * skips allowed with their reasons, and last {@code N passed, N failed, N skipped}. It fails (exit 1) when a test
 * failed, when anything was skipped that is not on that list, when no report was found, or when the caller says a
 * step failed. It needs only the JDK, so scripts/run-tests.sh runs it as a source file
 * ({@code java TestRunSummary.java ...}) even when the build itself failed.
 *
 * <pre>
 * java TestRunSummary.java [--expected-skips FILE] [--allow-skip 'CLASS[#METHOD]  REASON'] [--step-failed TEXT] DIR...
 * </pre>
 * A skip-list line is {@code TestClass#method  reason} (one test) or {@code TestClass  reason} (any skip in the
 * class, or the class running no test); the class is its simple or its full name; {@code #} starts a comment.
 */
public final class TestRunSummary {

    /** An allowed skip: the class (simple or full name), the method or null for any, and why. */
    record Allowed(String testClass, String method, String reason) {
        boolean covers(String className, String testName) {
            boolean sameClass = className.equals(testClass) || className.endsWith("." + testClass);
            return sameClass && (method == null || method.equals(testName));
        }

        @Override
        public String toString() {
            return testClass + (method == null ? "" : "#" + method) + "  " + reason;
        }
    }

    private final List<Allowed> allowed = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> expectedSkips = new ArrayList<>();
    private int passed;
    private int failed;
    private int skipped;

    private TestRunSummary() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.out));
    }

    /**
     * Prints the summary of the reports that {@code args} name; returns the exit status. Bad arguments, a bad
     * skip list and unreadable reports are problems it reports, so that the counts still come last.
     */
    static int run(List<String> args, PrintStream out) throws IOException {
        TestRunSummary s = new TestRunSummary();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            try {
                switch (a) {
                    case "--expected-skips" -> s.readSkipList(Path.of(value(args, ++i, a)));
                    case "--allow-skip" -> s.allowed.add(parse(value(args, ++i, a), "--allow-skip"));
                    case "--step-failed" -> s.problems.add("FAILED STEP: " + value(args, ++i, a));
                    default -> dirs.add(Path.of(folder(a)));
                }
            } catch (IllegalArgumentException | IOException e) {
                s.problems.add("BAD ARGUMENTS: " + e.getMessage());
            }
        }
        List<Path> reports = new ArrayList<>();
        for (Path dir : dirs) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).sorted().forEach(reports::add);
                }
            }
        }
        if (reports.isEmpty()) {
            s.problems.add("NO REPORTS: no TEST-*.xml in " + dirs + ": the build stopped before any test ran");
        }
        for (Path report : reports) {
            try {
                s.read(report);
            } catch (IOException e) {
                s.problems.add("UNREADABLE REPORT: " + e.getMessage());
            }
        }
        return s.print(out);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    private static String folder(String arg) {
        if (arg.startsWith("--")) {
            throw new IllegalArgumentException("unknown option '" + arg + "': give --expected-skips FILE, "
                    + "--allow-skip 'CLASS[#METHOD]  REASON' or --step-failed TEXT, then the report folders");
        }
        return arg;
    }

    /** {@code CLASS[#METHOD]  REASON}: the reason is required, since the list is printed for people to judge. */
    static Allowed parse(String line, String where) {
        String[] parts = line.trim().split("\\s+", 2);
        if (parts.length < 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException(where + ": '" + line.trim() + "' has no reason: write "
                    + "'TestClass#method  why it may be skipped' or 'TestClass  why'");
        }
        int hash = parts[0].indexOf('#');
        return hash < 0 ? new Allowed(parts[0], null, parts[1])
                : new Allowed(parts[0].substring(0, hash), parts[0].substring(hash + 1), parts[1]);
    }

    private void readSkipList(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("the skip list " + file + " is missing");
        }
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).trim();
            if (!line.isEmpty() && !line.startsWith("#")) {
                try {
                    allowed.add(parse(line, file + " line " + (n + 1)));
                } catch (IllegalArgumentException e) {
                    problems.add("BAD SKIP LIST: " + e.getMessage());
                }
            }
        }
    }

    private void read(Path report) throws IOException {
        Document doc = parseXml(report);
        NodeList suites = doc.getElementsByTagName("testsuite");
        for (int i = 0; i < suites.getLength(); i++) {
            Element suite = (Element) suites.item(i);
            List<Element> cases = children(suite, "testcase");
            if (cases.isEmpty()) {
                skip(suite.getAttribute("name"), null, "ran no test (skipped in @BeforeAll, or nothing matched)");
            }
            for (Element c : cases) {
                String testName = c.getAttribute("name").replaceFirst("[(\\[].*$", "");
                Element problem = first(c, "failure", "error");
                Element skip = first(c, "skipped");
                if (problem != null) {
                    failed++;
                    problems.add("FAILED: " + c.getAttribute("classname") + "#" + testName + ": " + message(problem));
                } else if (skip != null) {
                    skip(c.getAttribute("classname"), testName, message(skip));
                } else {
                    passed++;
                }
            }
        }
    }

    private void skip(String className, String testName, String why) {
        skipped++;
        String test = className + (testName == null ? "" : "#" + testName);
        Allowed a = allowed.stream().filter(x -> x.covers(className, testName)).findFirst().orElse(null);
        if (a == null) {
            problems.add("UNEXPECTED SKIP: " + test + ": " + why);
        } else {
            expectedSkips.add("skipped as listed: " + test + ": " + why);
        }
    }

    private int print(PrintStream out) {
        out.println("skips allowed (each with its reason):" + (allowed.isEmpty() ? " none" : ""));
        allowed.forEach(a -> out.println("  " + a));
        expectedSkips.forEach(out::println);
        problems.forEach(out::println);
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return problems.isEmpty() ? 0 : 1;
    }

    private static String message(Element e) {
        String m = e.getAttribute("message");
        if (m.isBlank()) {
            m = e.getTextContent().strip().lines().findFirst().orElse("(no message)");
        }
        return m.replaceFirst("^org\\.opentest4j\\.TestAbortedException: ", "").lines().findFirst().orElse("").strip();
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element first(Element parent, String... tags) {
        for (String tag : tags) {
            List<Element> found = children(parent, tag);
            if (!found.isEmpty()) {
                return found.get(0);
            }
        }
        return null;
    }

    private static Document parseXml(Path report) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            DocumentBuilder b = f.newDocumentBuilder();
            return b.parse(report.toFile());
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("cannot read the test report " + report + ": " + e.getMessage(), e);
        }
    }
}
