package org.vcpuagent.client;

import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanException;
import javax.management.ReflectionException;
import javax.management.RuntimeErrorException;
import javax.management.RuntimeMBeanException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One call to the agent, with JMX's checked exceptions turned into what a caller can act on, the
 * way {@link javax.management.JMX#newMXBeanProxy} proxies do: the agent's own refusal (an
 * {@code IllegalArgumentException} or {@code IllegalStateException} with a message for humans)
 * is thrown as it is, a vanished domain is a {@link DomainNotFoundException}, a broken connection
 * an {@link UncheckedIOException}. {@link SecurityException} (a read-only user asking for a change)
 * passes through untouched.
 */
final class RemoteCall {

    @FunctionalInterface
    interface Call<T> {
        T call() throws JMException, IOException;
    }

    private RemoteCall() {
    }

    /**
     * @param domain the domain the call is about, for the not-found message; null for the host
     * @param what   the attribute or operation asked for, for messages (composed into a sentence
     *               only when something goes wrong, to keep the good path cheap)
     */
    static <T> T run(String domain, String what, Call<T> call) {
        return run(domain, null, what, call);
    }

    /** As {@link #run(String, String, Call)}, for a domain on the connection with alias {@code connection}. */
    static <T> T run(String domain, String connection, String what, Call<T> call) {
        try {
            return call.call();
        } catch (RuntimeMBeanException e) {
            throw e.getTargetException() != null ? e.getTargetException() : e;
        } catch (RuntimeErrorException e) {
            throw new IllegalStateException("the agent failed on " + what + ": " + e.getTargetError(), e);
        } catch (InstanceNotFoundException e) {
            if (domain != null) {
                throw new DomainNotFoundException(domain, connection);
            }
            throw new IllegalStateException("the agent has no " + e.getMessage() + " (is this a vcpu-agent?)", e);
        } catch (MBeanException e) {
            Exception cause = e.getTargetException();
            throw new IllegalStateException(cause != null && cause.getMessage() != null ? cause.getMessage()
                    : "the agent failed on " + what + ": " + e, e);
        } catch (AttributeNotFoundException | ReflectionException e) {
            throw new IllegalStateException("the agent does not know " + what + " (" + e.getMessage()
                    + "): is it an older or newer version than this client?", e);
        } catch (JMException e) {
            throw new IllegalStateException("the agent failed on " + what + ": " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException("lost the connection to the agent during " + what + ": "
                    + describe(e), e);
        }
    }

    /**
     * What went wrong, in one phrase: the outermost message without RMI's "; nested exception is"
     * tail, and the innermost cause's message when it adds something ("Connection refused to host:
     * 127.0.0.1", "Unknown host: agent.example").
     */
    static String describe(Throwable e) {
        String outer = ownMessage(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String inner = ownMessage(root);
        if (root == e || outer.contains(inner)) {
            return outer;
        }
        return outer.isEmpty() ? inner : outer + ": " + inner;
    }

    private static String ownMessage(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int nested = m.indexOf("; nested exception is");
        return (nested >= 0 ? m.substring(0, nested) : m).strip();
    }
}
