package io.dcos.backup.dcos;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority, as a DC/OS cluster has its own ({@code dcos-ca.crt}), and the loopback server
 * certificate it signs ({@code 127.0.0.1}, {@code localhost}).
 */
public final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final KeyPair caKey;
  private final X509Certificate caCertificate;
  private final KeyPair serverKey;
  private final X509Certificate serverCertificate;

  private TestCa(String name) throws Exception {
    caKey = rsa();
    X500Name caName = new X500Name("CN=" + name);
    X509v3CertificateBuilder ca = builder(caName, caName, caKey);
    ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    caCertificate = sign(ca);
    serverKey = rsa();
    X509v3CertificateBuilder server = builder(caName, new X500Name("CN=127.0.0.1"), serverKey);
    server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    server.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    serverCertificate = sign(server);
  }

  public static TestCa create(String name) throws Exception {
    return new TestCa(name);
  }

  /** For a server: presents the loopback certificate, and trusts this CA (as a client, e.g. a proxy). */
  public SSLContext serverContext() throws GeneralSecurityException, IOException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "test".toCharArray();
    keys.setKeyEntry("server", serverKey.getPrivate(), password, new Certificate[] {serverCertificate, caCertificate});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), trustManagers(), null);
    return context;
  }

  /** The CA certificate as PEM, like {@code https://<master>/ca/dcos-ca.crt}. */
  public Path writePem(Path file) throws Exception {
    String pem = "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(caCertificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
    Files.writeString(file, pem);
    return file;
  }

  private javax.net.ssl.TrustManager[] trustManagers() throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", caCertificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKey) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
        subjectKey.getPublic());
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(builder.build(
        new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
  }
}
