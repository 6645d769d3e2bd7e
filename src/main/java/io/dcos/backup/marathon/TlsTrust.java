package io.dcos.backup.marathon;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which certificate authorities HTTPS to Marathon, Admin Router and the DC/OS login endpoint trusts: the JVM's
 * default ones, or a CA bundle (DC/OS's {@code dcos-ca.crt}) and nothing else. There is deliberately no way to trust
 * every certificate. Also turns a failed handshake into a message naming the host and what to configure.
 */
public final class TlsTrust {

  private final SSLContext context;
  private final String source;
  private final String hint;

  private TlsTrust(SSLContext context, String source, String hint) {
    this.context = Objects.requireNonNull(context, "context");
    this.source = Objects.requireNonNull(source, "source");
    this.hint = Objects.requireNonNull(hint, "hint");
  }

  /**
   * The JVM's default trust store (public CAs).
   *
   * @param hint what a user should configure when a certificate is not trusted, e.g. "set MARATHON_CA_FILE to ..."
   */
  public static TlsTrust jvmDefault(String hint) {
    try {
      return new TlsTrust(SSLContext.getDefault(), "the JVM's default trust store", hint);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no default TLS context", e);
    }
  }

  /** The JVM's default trust store, with a generic hint: for tests and callers that configure nothing else. */
  public static TlsTrust jvmDefault() {
    return jvmDefault("configure the CA that signed it");
  }

  /**
   * Only the certificates of a PEM bundle (one or more {@code BEGIN CERTIFICATE} blocks).
   *
   * @throws IllegalArgumentException the file cannot be read or holds no certificate
   */
  public static TlsTrust fromPemFile(Path bundle, String hint) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(bundle);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the CA bundle " + bundle + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
    }
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the CA bundle " + bundle + " is not PEM certificates: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("the CA bundle " + bundle + " holds no certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return new TlsTrust(context, "the CA bundle " + bundle, hint);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot use the CA bundle " + bundle + ": " + e.getMessage(), e);
    }
  }

  /** A context built elsewhere (tests: a generated CA), described as {@code source} in messages. */
  public static TlsTrust of(SSLContext context, String source, String hint) {
    return new TlsTrust(context, source, hint);
  }

  public SSLContext sslContext() {
    return context;
  }

  /** "the CA bundle /etc/marathon-backup/ca/dcos-ca.crt", "the JVM's default trust store". */
  public String source() {
    return source;
  }

  /**
   * A message for a handshake that failed on the peer's certificate, or empty when {@code failure} is something else
   * (refused connection, plain HTTP on the port, timeout).
   */
  public Optional<String> certificateProblem(String host, Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
        return Optional.of("TLS certificate of " + host + " is not trusted (checked against " + source
            + "): " + hint);
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // The JDK's hostname check throws a bare CertificateException ("No subject alternative names matching ...").
      if (t instanceof CertificateException && t.getMessage() != null && t.getMessage().contains("matching")) {
        return Optional.of("TLS certificate of " + host + " is not issued for that name (" + t.getMessage()
            + "): use the host name the certificate names in the URL");
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "TlsTrust{" + source + "}";
  }
}
