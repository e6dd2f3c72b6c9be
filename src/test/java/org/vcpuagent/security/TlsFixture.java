package org.vcpuagent.security;

import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.HostInfo;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TLS files made the way users make them (scripts/make-test-keystore.sh, which runs keytool), and
 * a JMX connector serving the {@code test} domain of libvirt's test driver with given settings.
 */
final class TlsFixture {

    private TlsFixture() {
    }

    static Path script() {
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("scripts/make-test-keystore.sh");
    }

    /** Runs scripts/make-test-keystore.sh into {@code dir}, with the client-certificate files too. */
    static void makeStores(Path dir, String... extraArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script().toString()));
        command.addAll(List.of(extraArgs));
        command.add(dir.toString());
        String out = run(command);
        if (!Files.exists(dir.resolve("server.p12"))) {
            throw new AssertionError("make-test-keystore.sh made no server.p12: " + out);
        }
    }

    /** Runs a command (keytool, the script) and returns its output; fails the test if it fails. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(command + " failed: " + out);
        }
        return out;
    }

    static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    /** The password in a .pass file the script wrote. */
    static String password(Path passFile) throws IOException {
        return Files.readAllLines(passFile, StandardCharsets.UTF_8).get(0);
    }

    /** {@code -D} options that make a client trust the agent's certificate, as JConsole's -J-D flags do. */
    static List<String> trusting(Path dir) throws IOException {
        return List.of("-Djavax.net.ssl.trustStore=" + dir.resolve("client-truststore.p12"),
                "-Djavax.net.ssl.trustStorePassword=" + password(dir.resolve("client-truststore.pass")));
    }

    /** {@link #trusting} plus a client certificate from {@code keyStore}. */
    static List<String> trustingWithKey(Path dir, Path keyStore, Path passFile) throws IOException {
        List<String> out = new ArrayList<>(trusting(dir));
        out.add("-Djavax.net.ssl.keyStore=" + keyStore);
        out.add("-Djavax.net.ssl.keyStorePassword=" + password(passFile));
        return out;
    }

    /** A connector on its own MBean server with the {@code test} domain's bean, on a free port. */
    static final class Served implements AutoCloseable {
        final JmxRemoteServer jmx;
        private final MBeanServer mbeanServer;
        private final Connection connection;
        private final DomainVcpuBean bean;
        private final Domain domain;

        Served(JmxRemoteServer.Settings settings) throws Exception {
            mbeanServer = MBeanServerFactory.newMBeanServer();
            connection = Connection.open("test:///default", false);
            domain = TestLibvirt.lookupByName(connection, "test");
            HostInfo host = connection.hostInfo();
            bean = org.vcpuagent.testsupport.StandaloneBean.of(domain, () -> host, () -> { });
            mbeanServer.registerMBean(bean.asMBean(), bean.objectName());
            try {
                jmx = JmxRemoteServer.start(mbeanServer, settings);
            } catch (Exception e) {
                closeBeanAndConnection();
                throw e;
            }
        }

        int port() {
            return jmx.port();
        }

        /** Puts the shared test domain back as every test expects it: 2 vCPUs. */
        void restoreTestDomain() {
            bean.setVcpus(2, false);
        }

        private void closeBeanAndConnection() throws Exception {
            if (mbeanServer.isRegistered(bean.objectName())) {
                mbeanServer.unregisterMBean(bean.objectName());
            }
            domain.close();
            connection.close();
        }

        @Override
        public void close() throws Exception {
            jmx.close();
            closeBeanAndConnection();
        }
    }
}
