package org.vcpuagent.client;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.server.RMIClientSocketFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.Collections;

/**
 * TLS to an agent whose JMX port speaks it ({@code jmx.ssl.keystore} set): the registry lookup and
 * the connector both go over TLS, as the agent serves them on one port.
 *
 * <p>A JVM holds one TLS identity. The agent's RMI stubs open their sockets with
 * {@link SslRMIClientSocketFactory}, which takes the JVM's default {@link SSLContext} the first time
 * it is used and keeps it. So {@link #withStores} contexts become the JVM's default before the first
 * TLS connection, and a later connection that asks for other stores is refused rather than
 * connected silently with the first ones. A program that has already used
 * {@code SslRMIClientSocketFactory} itself keeps what it had.
 */
public final class ClientTls {

    private static final Object LOCK = new Object();
    /** Which identity the JVM's TLS connections to agents use, once one was made; guarded by LOCK (any thread may connect). */
    private static String installed;

    private final Path trustStore;
    private final Path keyStore;
    /** Null for the JVM's own settings. */
    private final SSLContext context;

    private ClientTls(Path trustStore, Path keyStore, SSLContext context) {
        this.trustStore = trustStore;
        this.keyStore = keyStore;
        this.context = context;
    }

    /**
     * TLS with the JVM's own settings: the {@code javax.net.ssl.*} system properties if set, otherwise
     * the JDK's CA certificates and no client certificate.
     */
    public static ClientTls jvmDefaults() {
        return new ClientTls(null, null, null);
    }

    /**
     * TLS that trusts the certificates in {@code trustStore} and presents the key in {@code keyStore}.
     * The passwords are cleared once read.
     *
     * @param trustStore         PKCS12 or JKS with the agent's certificate or its CA; null for the JDK's CAs
     * @param trustStorePassword null to read a PKCS12 truststore's plain certificates without one
     * @param keyStore           PKCS12 or JKS with the client's key and certificate, for an agent that requires
     *                           client certificates; null for none
     * @param keyStorePassword   the keystore's password (the key's too); needed with {@code keyStore}
     * @throws IllegalArgumentException naming the store that cannot be used, and why
     */
    public static ClientTls withStores(Path trustStore, char[] trustStorePassword, Path keyStore,
                                       char[] keyStorePassword) {
        try {
            TrustManager[] trust = trustStore == null ? null : trust(trustStore, trustStorePassword);
            KeyManager[] keys = keyStore == null ? null : keys(keyStore, keyStorePassword);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return new ClientTls(trustStore, keyStore, context);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS with " + describe(trustStore, keyStore) + ": "
                    + e.getMessage(), e);
        } finally {
            clear(trustStorePassword);
            clear(keyStorePassword);
        }
    }

    private static TrustManager[] trust(Path file, char[] password) throws GeneralSecurityException {
        KeyStore store = load(file, password, "truststore");
        if (Collections.list(store.aliases()).stream().noneMatch(a -> isCertificate(store, a))) {
            throw new IllegalArgumentException("the truststore " + file + " holds no trusted certificate"
                    + (password == null ? " readable without its password: give its password file" : "")
                    + " (it needs the agent's certificate or its CA, imported with keytool -importcert; "
                    + "scripts/make-test-keystore.sh writes client-truststore.p12)");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private static KeyManager[] keys(Path file, char[] password) throws GeneralSecurityException {
        if (password == null) {
            throw new IllegalArgumentException("the keystore " + file + " needs its password (its key has the same)");
        }
        KeyStore store = load(file, password, "keystore");
        if (Collections.list(store.aliases()).stream().noneMatch(a -> isKey(store, a))) {
            throw new IllegalArgumentException("the keystore " + file + " holds no private key: a client certificate "
                    + "needs a keystore made with keytool -genkeypair (scripts/make-test-keystore.sh --client writes "
                    + "client.p12); a truststore goes to --truststore");
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    /** A PKCS12 or JKS store, whichever the file is. */
    private static KeyStore load(Path file, char[] password, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot read the " + what + " " + file + ": "
                    + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("the password given does not open the " + what + " " + file, e);
            }
            throw new IllegalArgumentException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("the " + what + " " + file + " is not a PKCS12 or JKS keystore", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isCertificate(KeyStore store, String alias) {
        try {
            return store.isCertificateEntry(alias);
        } catch (KeyStoreException e) {
            return false;
        }
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (KeyStoreException e) {
            return false;
        }
    }

    private static void clear(char[] password) {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }

    /** Makes this the identity of the JVM's TLS connections to agents, or refuses when another already is. */
    void install() {
        String mine = toString();
        synchronized (LOCK) {
            if (installed == null) {
                if (context != null) {
                    SSLContext.setDefault(context);
                }
                installed = mine;
            } else if (!installed.equals(mine)) {
                throw new IllegalStateException("this JVM already reaches TLS agents with " + installed
                        + " and cannot switch to " + mine + ": the agent's RMI stubs use the JVM's default SSL "
                        + "context, which javax.rmi.ssl.SslRMIClientSocketFactory keeps from its first use "
                        + "(use one JVM per TLS identity)");
            }
        }
    }

    /** What the registry lookup connects with; the connector's own stub brings the same from the agent. */
    RMIClientSocketFactory socketFactory() {
        return new SslRMIClientSocketFactory();
    }

    /** Null when the JDK's CAs (or javax.net.ssl.trustStore) decide. */
    public Path trustStore() {
        return trustStore;
    }

    /** Null when no client certificate is presented (or javax.net.ssl.keyStore decides). */
    public Path keyStore() {
        return keyStore;
    }

    private static String describe(Path trustStore, Path keyStore) {
        if (trustStore == null && keyStore == null) {
            return "the JVM's own TLS settings (javax.net.ssl.*)";
        }
        return (trustStore == null ? "the JDK's CAs" : "truststore " + trustStore)
                + (keyStore == null ? ", no client certificate" : ", keystore " + keyStore);
    }

    @Override
    public String toString() {
        return context == null ? describe(null, null) : describe(trustStore, keyStore);
    }
}
