package org.vcpuagent.client;

import javax.management.remote.JMXServiceURL;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.rmi.ConnectIOException;
import java.rmi.registry.LocateRegistry;
import java.security.cert.CertificateException;

/**
 * Why a connection failed when TLS is the reason: a clear-text client at an agent that speaks TLS,
 * a TLS client at one that does not, a certificate one side does not trust. The exceptions alone
 * do not tell these apart (an agent closing a TLS connection looks the same whether it wants a
 * client certificate or speaks no TLS at all), so on failure, and only then, the port is asked once
 * more in the other protocol.
 */
final class TlsAdvice {

    private static final int PROBE_TIMEOUT_MS = 5000;

    private TlsAdvice() {
    }

    /** What to tell the user, or null when the failure is not about TLS. */
    static String explain(IOException e, JMXServiceURL address, ClientTls tls) {
        if (cause(e, ConnectException.class) != null) {
            return null; // nothing listens: TLS is not the question
        }
        RmiRegistryAddress where = RmiRegistryAddress.of(address);
        String at = where == null ? address.toString() : where.host + ":" + where.port;
        if (tls == null) {
            // RMI's "non-JRMP server at remote endpoint"; the probe tells a TLS agent from any other server.
            boolean tlsAnswered = cause(e, ConnectIOException.class) != null && where != null && speaksTls(where);
            return !tlsAnswered ? null : at + " speaks TLS (the agent has jmx.ssl.keystore set): give --tls, with "
                    + "--truststore FILE unless a CA the JDK trusts signed its certificate, and --keystore FILE when "
                    + "it requires client certificates";
        }
        if (cause(e, CertificateException.class) != null) {
            return "the certificate of " + at + " is not trusted " + (tls.trustStore() == null
                    ? "by the JDK's CAs: give --truststore FILE holding it or its CA (scripts/make-test-keystore.sh "
                            + "writes client-truststore.p12)"
                    : "by the truststore " + tls.trustStore() + ": it needs the agent's certificate or its CA");
        }
        if (cause(e, SSLException.class) == null && cause(e, SocketException.class) == null) {
            return null;
        }
        if (where != null && speaksPlainRmi(where)) {
            return at + " does not speak TLS (the agent has no jmx.ssl.keystore): leave out --tls and the "
                    + "truststore and keystore options";
        }
        if (tls.keyStore() == null) {
            return "the TLS connection to " + at + " was closed: the agent requires a client certificate "
                    + "(jmx.ssl.need.client.auth): give --keystore FILE with the client's key ("
                    + RemoteCall.describe(e) + ")";
        }
        return "the TLS connection to " + at + " was closed: the agent does not accept the client certificate in "
                + tls.keyStore() + " (its jmx.ssl.truststore must hold it or its CA) (" + RemoteCall.describe(e) + ")";
    }

    /** Whether the port answers a TLS handshake; a certificate we do not trust is an answer too. */
    private static boolean speaksTls(RmiRegistryAddress where) {
        try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket()) {
            s.connect(new InetSocketAddress(where.host, where.port), PROBE_TIMEOUT_MS);
            s.setSoTimeout(PROBE_TIMEOUT_MS);
            s.startHandshake();
            return true;
        } catch (SSLHandshakeException e) {
            return cause(e, CertificateException.class) != null || mentions(e, "fatal alert");
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether an RMI registry answers on the port in clear text. */
    private static boolean speaksPlainRmi(RmiRegistryAddress where) {
        try {
            LocateRegistry.getRegistry(where.host, where.port).list();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static boolean mentions(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }
}
