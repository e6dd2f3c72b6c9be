package org.vcpuagent.jmx;

import java.nio.file.Path;

/**
 * TLS for the JMX connector and its RMI registry. Passwords are never given directly: each store
 * has a password file whose first line is the password, so they stay off command lines and out of
 * {@code ps}.
 *
 * @param keyStore               the server's keystore (PKCS12 or JKS) holding its private key and
 *                               certificate; the key must have the store's password
 * @param keyStorePasswordFile   file with the keystore's password; readable by its owner only
 * @param trustStore             the certificates (or their CA) of clients allowed in when
 *                               {@code needClientAuth}; null when client certificates are not required
 * @param trustStorePasswordFile file with the truststore's password; null exactly when
 *                               {@code trustStore} is null
 * @param needClientAuth         refuse every client that does not present a certificate the
 *                               truststore trusts
 */
public record TlsSettings(Path keyStore, Path keyStorePasswordFile, Path trustStore, Path trustStorePasswordFile,
                          boolean needClientAuth) {

    /** TLS with a server certificate only: clients check the server, the server asks no certificate. */
    public static TlsSettings serverOnly(Path keyStore, Path keyStorePasswordFile) {
        return new TlsSettings(keyStore, keyStorePasswordFile, null, null, false);
    }

    /**
     * The settings the agent's {@code jmx.ssl.*} keys give, or null for no TLS (every key empty
     * and {@code needClientAuth} false). TLS is on exactly when a keystore is given; the other keys
     * without one are refused, so a half-done TLS configuration never runs as clear text.
     *
     * @throws IllegalArgumentException naming the missing key
     */
    public static TlsSettings fromOptions(Path keyStore, Path keyStorePasswordFile, Path trustStore,
                                          Path trustStorePasswordFile, boolean needClientAuth) {
        if (keyStore == null) {
            if (keyStorePasswordFile != null || trustStore != null || trustStorePasswordFile != null || needClientAuth) {
                throw new IllegalArgumentException("JMX TLS options were given without a keystore: give "
                        + "--jmx-ssl-keystore (jmx.ssl.keystore) with the server's key, or remove the other jmx.ssl.* "
                        + "settings; TLS is on exactly when a keystore is given");
            }
            return null;
        }
        return new TlsSettings(keyStore, keyStorePasswordFile, trustStore, trustStorePasswordFile, needClientAuth);
    }
}
