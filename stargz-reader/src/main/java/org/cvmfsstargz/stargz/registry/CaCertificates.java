package org.cvmfsstargz.stargz.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads CA certificates from a PEM file, for {@link RegistryOptions#trustedCertificates()}. Stateless. */
public final class CaCertificates {
    private static final long MAX_BYTES = 1 << 20;

    private CaCertificates() {}

    /**
     * The X.509 certificates in PEM file {@code file}, at least one.
     *
     * @throws IllegalArgumentException with the reason (not the file's name, which the caller
     *     knows as a key) if it cannot be read, is too large, or holds no certificate
     */
    public static List<X509Certificate> read(Path file) {
        byte[] content;
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes; not a CA bundle");
            }
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getMessage(), e);
        }
        Collection<? extends Certificate> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(content));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not PEM-encoded X.509 certificates: " + e.getMessage(), e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Certificate c : parsed) {
            if (c instanceof X509Certificate x509) {
                certificates.add(x509);
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)");
        }
        return List.copyOf(certificates);
    }
}
