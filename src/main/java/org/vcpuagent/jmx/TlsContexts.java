package org.vcpuagent.jmx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.common.SecretFiles;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Builds the connector's {@link SSLContext} from {@link TlsSettings}, and refuses a TLS
 * misconfiguration before anything listens, with a message that names the file and the fix.
 */
final class TlsContexts {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

    private TlsContexts() {
    }

    static SSLContext build(TlsSettings tls) {
        checkComplete(tls);
        try {
            KeyManager[] keys = keyManagers(tls);
            TrustManager[] trust = tls.trustStore() == null ? null : trustManagers(tls);
            if (trust != null && !tls.needClientAuth()) {
                LOG.warn("the JMX TLS truststore {} is not used: client certificates are not required "
                        + "(set jmx.ssl.need.client.auth=true to require them)", tls.trustStore());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up JMX TLS with the keystore " + tls.keyStore() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Every file TLS needs is named, and none without the other it goes with. */
    private static void checkComplete(TlsSettings tls) {
        if (tls.keyStorePasswordFile() == null) {
            throw new IllegalArgumentException("the JMX TLS keystore " + tls.keyStore() + " was given without its "
                    + "password file: give --jmx-ssl-keystore-password-file (jmx.ssl.keystore.password.file), a file "
                    + "readable by its owner only whose first line is the keystore's password");
        }
        if (tls.needClientAuth() && tls.trustStore() == null) {
            throw new IllegalArgumentException("client certificates are required (jmx.ssl.need.client.auth=true) but no "
                    + "truststore says which to accept: give --jmx-ssl-truststore (jmx.ssl.truststore) with the clients' "
                    + "certificates or their CA, and its password file");
        }
        if (tls.trustStore() != null && tls.trustStorePasswordFile() == null) {
            throw new IllegalArgumentException("the JMX TLS truststore " + tls.trustStore() + " was given without its "
                    + "password file: give --jmx-ssl-truststore-password-file (jmx.ssl.truststore.password.file)");
        }
        if (tls.trustStore() == null && tls.trustStorePasswordFile() != null) {
            throw new IllegalArgumentException("a JMX TLS truststore password file (" + tls.trustStorePasswordFile()
                    + ") was given without a truststore: give --jmx-ssl-truststore too, or neither");
        }
    }

    private static KeyManager[] keyManagers(TlsSettings tls) throws GeneralSecurityException {
        SecretFiles.checkReadable(tls.keyStore(), "JMX TLS keystore");
        char[] password = SecretFiles.readPassword(tls.keyStorePasswordFile(), "JMX TLS keystore password file");
        try {
            KeyStore keys = load(tls.keyStore(), password, tls.keyStorePasswordFile(), "keystore");
            checkServerKey(keys, password, tls.keyStore());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            return kmf.getKeyManagers();
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static TrustManager[] trustManagers(TlsSettings tls) throws GeneralSecurityException {
        SecretFiles.checkReadable(tls.trustStore(), "JMX TLS truststore");
        char[] password = SecretFiles.readPassword(tls.trustStorePasswordFile(), "JMX TLS truststore password file");
        try {
            KeyStore trust = load(tls.trustStore(), password, tls.trustStorePasswordFile(), "truststore");
            checkTrustAnchors(trust, tls.trustStore());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** Loads a PKCS12 or JKS store, whichever the file is, and says what is wrong when it cannot. */
    private static KeyStore load(Path file, char[] password, Path passwordFile, String what) {
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("the password in " + passwordFile + " does not open the JMX TLS "
                        + what + " " + file + " (" + e.getMessage() + ")", e);
            }
            throw new IllegalArgumentException("the JMX TLS " + what + " " + file + " cannot be read: " + e.getMessage(), e);
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("the JMX TLS " + what + " " + file + " is not a PKCS12 or JKS keystore ("
                    + e.getMessage() + "); create it with keytool, e.g. scripts/make-test-keystore.sh", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the JMX TLS " + what + " " + file + " cannot be read: " + e, e);
        }
    }

    /** The server needs a private key it can open with the store's password, and a certificate valid now. */
    private static void checkServerKey(KeyStore keys, char[] password, Path file) throws KeyStoreException {
        List<String> keyAliases = new ArrayList<>();
        for (String alias : Collections.list(keys.aliases())) {
            if (keys.isKeyEntry(alias)) {
                keyAliases.add(alias);
            }
        }
        if (keyAliases.isEmpty()) {
            throw new IllegalArgumentException("the JMX TLS keystore " + file + " holds no private key (only "
                    + keys.size() + " certificate(s)): is it a truststore? The server needs a keystore made with "
                    + "keytool -genkeypair, e.g. by scripts/make-test-keystore.sh");
        }
        for (String alias : keyAliases) {
            try {
                keys.getKey(alias, password);
            } catch (UnrecoverableKeyException e) {
                throw new IllegalArgumentException("the private key '" + alias + "' in the JMX TLS keystore " + file
                        + " cannot be opened with the keystore's password: give the key the store's password "
                        + "(keytool -keypasswd), as PKCS12 keystores made by keytool do", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("the private key '" + alias + "' in the JMX TLS keystore " + file
                        + " cannot be read: " + e.getMessage(), e);
            }
            Certificate cert = keys.getCertificate(alias);
            if (cert instanceof X509Certificate x509) {
                try {
                    x509.checkValidity();
                } catch (CertificateExpiredException e) {
                    throw new IllegalArgumentException("the certificate '" + alias + "' in the JMX TLS keystore " + file
                            + " expired on " + x509.getNotAfter().toInstant() + ": clients would refuse it; make a new one", e);
                } catch (CertificateNotYetValidException e) {
                    throw new IllegalArgumentException("the certificate '" + alias + "' in the JMX TLS keystore " + file
                            + " is not valid before " + x509.getNotBefore().toInstant() + " (is the clock right?)", e);
                }
                LOG.info("JMX TLS: serving certificate '{}' ({}), valid until {}", alias,
                        x509.getSubjectX500Principal().getName(), x509.getNotAfter().toInstant());
            }
        }
    }

    private static void checkTrustAnchors(KeyStore trust, Path file) throws KeyStoreException {
        int anchors = 0;
        for (String alias : Collections.list(trust.aliases())) {
            if (trust.isCertificateEntry(alias)) {
                anchors++;
            }
        }
        if (anchors == 0) {
            throw new IllegalArgumentException("the JMX TLS truststore " + file + " holds no trusted certificate"
                    + (trust.size() > 0 ? " (only private keys: is it a keystore?)" : "")
                    + ": import the clients' certificates or their CA with keytool -importcert");
        }
    }
}
