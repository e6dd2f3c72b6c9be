package org.vcpuagent.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.status.Status;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vcpuagent.jmx.AuditForwarder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both logback configurations parse, and send audit lines to their own file and nowhere else. */
class AuditLogConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"config/logback.xml", "src/main/resources/logback.xml"})
    void auditLinesGoToAuditLogInVcpuAgentLogDirAndNowhereElse(String config, @TempDir Path dir) throws Exception {
        Path file = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve(config);
        LoggerContext ctx = new LoggerContext();
        try {
            ctx.setMDCAdapter(new LogbackMDCAdapter());
            ctx.putProperty("VCPU_AGENT_LOG_DIR", dir.toString());
            JoranConfigurator joran = new JoranConfigurator();
            joran.setContext(ctx);
            joran.doConfigure(file.toFile());
            assertNoProblems(ctx, config);

            Logger audit = ctx.getLogger(AuditForwarder.LOGGER);
            assertFalse(audit.isAdditive(), "audit lines must not also go to the console");
            assertEquals(Level.INFO, audit.getLevel());
            Appender<ILoggingEvent> appender = audit.getAppender("AUDIT");
            FileAppender<?> fileAppender = assertInstanceOf(FileAppender.class, appender);
            assertEquals(dir.resolve("audit.log").toString(), fileAppender.getFile());

            ListAppender<ILoggingEvent> console = new ListAppender<>();
            console.setContext(ctx);
            console.start();
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(console);
            // Quietening the agent's own logging must not silence the audit.
            ctx.getLogger("org.vcpuagent").setLevel(Level.WARN);
            String line = "time=2026-11-26T03:55:08.240Z principal=admin remote=127.0.0.1 connection=- domain=test "
                    + "mbean=\"libvirt.vcpu:name=test,type=Domain\" action=invoke request=\"setVcpus(1)\" "
                    + "outcome=\"ok: domain 'test' has 1 vCPU\"";
            audit.info(line);
            ctx.getLogger("org.vcpuagent.jmx.JmxRemoteServer").warn("not an audit line");
            assertNoProblems(ctx, config);
            ctx.stop();

            assertEquals(line + "\n", Files.readString(dir.resolve("audit.log"), StandardCharsets.UTF_8));
            assertEquals(1, console.list.size(), "only the ordinary message reaches the console appender");
            assertEquals("not an audit line", console.list.get(0).getFormattedMessage());
        } finally {
            ctx.stop();
        }
    }

    private static void assertNoProblems(LoggerContext ctx, String config) {
        List<Status> problems = new ArrayList<>();
        for (Status s : ctx.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() >= Status.WARN) {
                problems.add(s);
            }
        }
        assertTrue(problems.isEmpty(), () -> config + ": " + problems);
    }
}
