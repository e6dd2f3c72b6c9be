package org.vcpuagent.jolokia;

import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.EmptyResponseException;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaWriteRequest;
import org.jolokia.server.core.request.NotChangedException;
import org.jolokia.server.core.service.request.AbstractRequestHandler;
import org.jolokia.server.core.service.request.RequestHandler;
import org.jolokia.server.core.util.RequestType;
import org.vcpuagent.common.CurrentSubject;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.jmx.AuditForwarder;
import org.vcpuagent.jmx.AuditLine;

import javax.management.JMException;
import javax.management.MBeanException;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.RuntimeMBeanException;
import javax.management.RuntimeOperationsException;
import javax.security.auth.Subject;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes Jolokia's writes and execs to the agent's audit log, as {@link AuditForwarder} does for the RMI
 * connector: the same logger and keys, the Jolokia user as {@code principal} and {@code jolokia:ADDRESS}
 * as {@code remote}. Every write and exec on {@code libvirt.vcpu} MBeans whatever its outcome, every
 * refused one on any MBean (the restrictor's refusals come from inside the request's handling, as
 * SecurityExceptions), and every other change that succeeds.
 *
 * <p>Jolokia loads it as a service from this jar's {@code META-INF/jolokia/services}, ordered before its
 * own {@code LocalRequestHandler}; writes and execs are exclusive requests, which Jolokia gives to the first
 * handler that takes them. It takes them and hands them on to the next handler that can, so the request
 * runs exactly as without it. It runs on the thread that serves the request, the authenticator's.
 */
public final class JolokiaAuditHandler extends AbstractRequestHandler {

    /** Before Jolokia's LocalRequestHandler (1000): lower orders come first. */
    static final int ORDER = 100;

    public JolokiaAuditHandler() {
        this(ORDER);
    }

    /** The form Jolokia calls for a services line with an order. */
    public JolokiaAuditHandler(int order) {
        super("vcpu-agent-audit", order);
    }

    @Override
    public boolean canHandle(JolokiaRequest request) {
        return request.getType() == RequestType.WRITE || request.getType() == RequestType.EXEC;
    }

    @Override
    public <R extends JolokiaRequest> Object handleRequest(R request, Object previous) throws IOException, JMException,
            NotChangedException, BadRequestException, EmptyResponseException {
        RequestHandler next = next(request);
        Object result;
        try {
            result = next.handleRequest(request, previous);
        } catch (IOException | JMException | NotChangedException | BadRequestException | EmptyResponseException
                 | RuntimeException e) {
            audit(request, e);
            throw e;
        }
        audit(request, result);
        return result;
    }

    private RequestHandler next(JolokiaRequest request) {
        for (RequestHandler h : getJolokiaContext().getServices(RequestHandler.class)) {
            if (h != this && h.canHandle(request)) {
                return h;
            }
        }
        throw new IllegalStateException("no Jolokia request handler after the audit for " + request);
    }

    private static void audit(JolokiaRequest request, Object result) {
        ObjectName mbean = mbean(request);
        String outcome = request.getType() == RequestType.WRITE || result == null ? "ok" : "ok: " + AuditLine.result(result);
        AuditForwarder.record(principal(), remote(), mbean, action(request), describe(request), outcome);
    }

    private static void audit(JolokiaRequest request, Exception thrown) {
        ObjectName mbean = mbean(request);
        Throwable cause = unwrap(thrown);
        boolean refused = cause instanceof SecurityException;
        if (!refused && !(mbean != null && ObjectNames.DOMAIN.equals(mbean.getDomain()))) {
            return;
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        AuditForwarder.record(principal(), remote(), mbean, action(request), describe(request),
                (refused ? "refused: " : "failed: ") + message);
    }

    private static Throwable unwrap(Throwable t) {
        for (int depth = 0; depth < 10 && t.getCause() != null; depth++) {
            if (t instanceof MBeanException || t instanceof RuntimeMBeanException || t instanceof ReflectionException
                    || t instanceof RuntimeOperationsException) {
                t = t.getCause();
            } else {
                break;
            }
        }
        return t;
    }

    private static ObjectName mbean(JolokiaRequest request) {
        return request instanceof JolokiaExecRequest e ? e.getObjectName()
                : request instanceof JolokiaWriteRequest w ? w.getObjectName() : null;
    }

    private static String action(JolokiaRequest request) {
        return request.getType() == RequestType.WRITE ? "set" : "invoke";
    }

    private static String describe(JolokiaRequest request) {
        if (request instanceof JolokiaExecRequest e) {
            List<?> args = e.getArguments();
            return AuditLine.call(e.getOperation(), args == null ? new Object[0] : args.toArray());
        }
        JolokiaWriteRequest w = (JolokiaWriteRequest) request;
        return w.getAttributeName() + "=" + AuditLine.value(w.getValue());
    }

    /** The Jolokia user of this request (the authenticator's Subject), never its role. */
    private static String principal() {
        Subject subject;
        try {
            subject = CurrentSubject.get();
        } catch (RuntimeException e) {
            subject = null;
        }
        if (subject == null) {
            return "anonymous";
        }
        String names = subject.getPrincipals(JolokiaRole.UserPrincipal.class).stream()
                .map(JolokiaRole.UserPrincipal::getName).sorted().collect(Collectors.joining(","));
        return names.isEmpty() ? "anonymous" : names;
    }

    private static String remote() {
        String address = JolokiaAuthenticator.clientAddress();
        return "jolokia:" + (address == null ? "-" : address);
    }
}
