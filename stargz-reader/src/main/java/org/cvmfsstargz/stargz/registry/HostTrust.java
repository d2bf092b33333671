package org.cvmfsstargz.stargz.registry;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Server certificate trust per registry host: a certificate the JDK's CAs accept is accepted;
 * otherwise, for a host with CA certificates of its own ({@code ca_file} in the daemon's
 * configuration), one that chains to those. A private CA thus vouches only for the hosts it is
 * configured for, never for the rest of the internet. Both checks are the JDK's PKIX trust
 * managers, given the connection's engine, so host name verification is theirs too.
 *
 * <p>Immutable and thread-safe.
 */
final class HostTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager system;
    private final Map<String, X509ExtendedTrustManager> byHost;

    private HostTrust(X509ExtendedTrustManager system, Map<String, X509ExtendedTrustManager> byHost) {
        this.system = system;
        this.byHost = Map.copyOf(byHost);
    }

    /**
     * The TLS context for a client trusting {@code certificates} (per {@code host} or
     * {@code host:port}, lower case) besides the JDK's CAs; the JDK's default when there are none.
     */
    static SSLContext sslContext(Map<String, List<X509Certificate>> certificates) {
        try {
            if (certificates.isEmpty()) {
                return SSLContext.getDefault();
            }
            Map<String, X509ExtendedTrustManager> byHost = new HashMap<>();
            for (Map.Entry<String, List<X509Certificate>> e : certificates.entrySet()) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < e.getValue().size(); i++) {
                    store.setCertificateEntry("ca-" + i, e.getValue().get(i));
                }
                byHost.put(e.getKey(), trustManager(store));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new HostTrust(trustManager(null), byHost)}, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS trust for registries: " + e, e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return Arrays.stream(factory.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                .map(X509ExtendedTrustManager.class::cast).findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
    }

    /** The extra trust for {@code host} at {@code port}: by {@code host:port}, else by {@code host}. */
    Optional<X509ExtendedTrustManager> forPeer(String host, int port) {
        if (host == null) {
            return Optional.empty();
        }
        String h = host.toLowerCase(Locale.ROOT);
        String bracketed = h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
        for (String key : List.of(bracketed + ":" + port, h + ":" + port, bracketed, h)) {
            X509ExtendedTrustManager tm = byHost.get(key);
            if (tm != null) {
                return Optional.of(tm);
            }
        }
        return Optional.empty();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            system.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            Optional<X509ExtendedTrustManager> extra = engine == null ? Optional.empty()
                    : forPeer(engine.getPeerHost(), engine.getPeerPort());
            if (extra.isEmpty()) {
                throw e;
            }
            extra.get().checkServerTrusted(chain, authType, engine);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            system.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            Optional<X509ExtendedTrustManager> extra = socket instanceof SSLSocket ssl
                    && ssl.getHandshakeSession() != null
                    ? forPeer(ssl.getHandshakeSession().getPeerHost(), ssl.getHandshakeSession().getPeerPort())
                    : Optional.empty();
            if (extra.isEmpty()) {
                throw e;
            }
            extra.get().checkServerTrusted(chain, authType, socket);
        }
    }

    /** Without a connection there is no host to choose the extra trust by: the JDK's CAs only. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        system.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a registry client does not accept client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a registry client does not accept client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a registry client does not accept client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        List<X509Certificate> all = new ArrayList<>(Arrays.asList(system.getAcceptedIssuers()));
        byHost.values().forEach(tm -> all.addAll(Arrays.asList(tm.getAcceptedIssuers())));
        return all.toArray(X509Certificate[]::new);
    }
}
