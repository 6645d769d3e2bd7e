package io.dcos.backup.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DC/OS service account's credential, as {@code dcos security secrets create-sa-secret} stores it:
 * {@code {"scheme":"RS256","uid":"…","private_key":"-----BEGIN PRIVATE KEY-----…","login_endpoint":"https://…"}}.
 * Neither {@code toString} nor any parse error contains the key.
 */
public final class ServiceAccountCredential {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  /** DER of PKCS#8's AlgorithmIdentifier for rsaEncryption (1.2.840.113549.1.1.1, NULL parameters). */
  private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private final String uid;
  private final RSAPrivateKey privateKey;
  private final URI loginEndpoint;

  public ServiceAccountCredential(String uid, RSAPrivateKey privateKey, URI loginEndpoint) {
    this.uid = requireText(uid, "uid");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.loginEndpoint = Objects.requireNonNull(loginEndpoint, "loginEndpoint");
    String scheme = loginEndpoint.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme) || loginEndpoint.getHost() == null) {
      throw new IllegalArgumentException("login_endpoint of service account '" + uid + "' is not an http(s) URL: "
          + loginEndpoint);
    }
  }

  /**
   * Parses the credential JSON.
   *
   * @throws IllegalArgumentException not JSON, a field missing, a scheme other than RS256, or a key that is not an
   *     unencrypted RSA key in PEM (PKCS#8 {@code PRIVATE KEY} or PKCS#1 {@code RSA PRIVATE KEY})
   */
  public static ServiceAccountCredential parse(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      // Jackson's message quotes the input, which holds the key: say only where it broke.
      throw new IllegalArgumentException("the service-account credential is not JSON (line "
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
              ? p.getLocation().getLineNr() : -1) + ")");
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("the service-account credential is not a JSON object");
    }
    String uid = field(n, "uid", "?");
    String scheme = n.path("scheme").asText("RS256");
    if (!"RS256".equals(scheme)) {
      throw new IllegalArgumentException("service account '" + uid + "': scheme is \"" + scheme
          + "\", only RS256 is supported");
    }
    String endpointText = field(n, "login_endpoint", uid).trim();
    URI endpoint;
    try {
      endpoint = URI.create(endpointText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("service account '" + uid + "': login_endpoint is not a URL");
    }
    return new ServiceAccountCredential(uid, rsaKey(field(n, "private_key", uid), uid), endpoint);
  }

  public String uid() {
    return uid;
  }

  public RSAPrivateKey privateKey() {
    return privateKey;
  }

  public URI loginEndpoint() {
    return loginEndpoint;
  }

  @Override
  public String toString() {
    return "ServiceAccountCredential{uid=" + uid + ", loginEndpoint=" + loginEndpoint + ", privateKey=****}";
  }

  private static String field(JsonNode n, String name, String uid) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException("the service-account credential" + ("?".equals(uid) ? "" : " of '" + uid + "'")
          + " has no \"" + name + "\"");
    }
    return v.asText();
  }

  private static RSAPrivateKey rsaKey(String pem, String uid) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException("service account '" + uid + "': private_key is not a PEM block");
    }
    String type = m.group(1);
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("service account '" + uid + "': private_key is not valid base64");
    }
    byte[] pkcs8 = switch (type) {
      case "PRIVATE KEY" -> der;
      case "RSA PRIVATE KEY" -> pkcs1ToPkcs8(der);
      default -> throw new IllegalArgumentException("service account '" + uid + "': private_key is a " + type
          + ", expected an unencrypted RSA key (PRIVATE KEY or RSA PRIVATE KEY)");
    };
    try {
      return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("service account '" + uid + "': private_key is not an RSA private key");
    }
  }

  /**
   * OpenSSL's traditional {@code RSA PRIVATE KEY} (PKCS#1) inside the PKCS#8 envelope the JDK reads: the JDK alone
   * cannot parse PKCS#1, and a PEM library would put Bouncy Castle into the operator for these few bytes.
   */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
    body.writeBytes(RSA_ALGORITHM_ID);
    body.write(0x04); // OCTET STRING holding the PKCS#1 key
    body.writeBytes(derLength(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30); // SEQUENCE
    out.writeBytes(derLength(body.size()));
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] derLength(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
    byte[] out = new byte[1 + bytes];
    out[0] = (byte) (0x80 | bytes);
    for (int i = 0; i < bytes; i++) {
      out[bytes - i] = (byte) (length >>> (8 * i));
    }
    return out;
  }

  private static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is empty");
    }
    return value;
  }
}
