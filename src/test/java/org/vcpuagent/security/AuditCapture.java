package org.vcpuagent.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.AuditForwarder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The audit lines written while it is open, as the audit logger got them; for tests. */
final class AuditCapture implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AuditForwarder.LOGGER);

    AuditCapture() {
        appender.start();
        logger.addAppender(appender);
    }

    /** The messages, as written. */
    List<String> raw() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Every line so far, parsed. */
    List<Map<String, String>> lines() {
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : raw()) {
            out.add(AuditLines.parse(line));
        }
        return out;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
