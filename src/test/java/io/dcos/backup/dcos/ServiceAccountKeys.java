package io.dcos.backup.dcos;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * A service account's key pair, as {@code dcos security org service-accounts keypair priv.pem pub.pem} makes it, and
 * the credential JSON {@code dcos security secrets create-sa-secret} stores.
 */
public final class ServiceAccountKeys {
  private static final ObjectMapper JSON = new ObjectMapper();

  public final String uid;
  public final KeyPair keys;

  private ServiceAccountKeys(String uid, KeyPair keys) {
    this.uid = uid;
    this.keys = keys;
  }

  public static ServiceAccountKeys generate(String uid) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return new ServiceAccountKeys(uid, generator.generateKeyPair());
  }

  public RSAPublicKey publicKey() {
    return (RSAPublicKey) keys.getPublic();
  }

  /** PKCS#8 {@code BEGIN PRIVATE KEY}. */
  public String privateKeyPem() {
    return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
  }

  /** OpenSSL's traditional PKCS#1 {@code BEGIN RSA PRIVATE KEY}. */
  public String pkcs1PrivateKeyPem() throws Exception {
    byte[] pkcs1 = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded()).parsePrivateKey().toASN1Primitive()
        .getEncoded();
    return pem("RSA PRIVATE KEY", pkcs1);
  }

  /** The base64 body of the private key, as it would show in a leak. */
  public String privateKeyBase64() {
    return Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
  }

  public String credentialJson(URI loginEndpoint) {
    return credentialJson(loginEndpoint, privateKeyPem());
  }

  public String credentialJson(URI loginEndpoint, String privateKeyPem) {
    return JSON.createObjectNode().put("scheme", "RS256").put("uid", uid).put("private_key", privateKeyPem)
        .put("login_endpoint", loginEndpoint.toString()).toString();
  }

  public Path writeCredential(Path file, URI loginEndpoint) throws Exception {
    Files.writeString(file, credentialJson(loginEndpoint), StandardCharsets.UTF_8);
    return file;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
