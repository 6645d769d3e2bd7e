package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A filesystem directory or an S3 bucket (with a prefix), and whether the operator may write there. */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "self.provider != 's3' || has(self.s3)", message = "provider s3 needs spec.s3")
@ValidationRule(value = "self.provider != 'filesystem' || has(self.filesystem)",
    message = "provider filesystem needs spec.filesystem")
public record BackupStorageLocationSpec(
    @Required Provider provider,
    /** Exactly one location per namespace should say true: Backups without spec.storageLocation go there. */
    @JsonProperty("default") Boolean isDefault,
    /** ReadOnly: archives are listed and restored, never written or deleted (restoring into another cluster). */
    @Default("ReadWrite") AccessMode accessMode,
    Filesystem filesystem,
    S3 s3) {

  public enum Provider { filesystem, s3 }

  public enum AccessMode { ReadWrite, ReadOnly }

  public boolean readOnly() {
    return accessMode == AccessMode.ReadOnly;
  }

  public boolean defaultLocation() {
    return Boolean.TRUE.equals(isDefault);
  }

  /** A directory the operator's pod sees (its backup volume, or another mounted volume). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Filesystem(
      @Required @Pattern("^/.*") String path,
      /**
       * Client-side encryption (AES-256-GCM) of every archive copied here; archives are decrypted with any key held.
       * Not on the backup directory itself, where archives are made in plaintext: use another directory.
       */
      Encryption encryption) {

    public Filesystem(String path) {
      this(path, null);
    }
  }

  /**
   * An S3 bucket on AWS or any S3-compatible store (MinIO, Ceph RGW). Objects are {@code <prefix>/<backup id>.tar}.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record S3(
      @Required String bucket,
      /** Folder inside the bucket, e.g. {@code marathon/prod}; no leading '/', no '.' or '..' segments. */
      @Pattern("^([A-Za-z0-9!_*'()-][A-Za-z0-9!_.*'()-]*)(/[A-Za-z0-9!_*'()-][A-Za-z0-9!_.*'()-]*)*/?$") String prefix,
      /** AWS region; any value for stores without regions. Unset: us-east-1. */
      String region,
      /** https://… of a store other than AWS S3 (MinIO, Ceph RGW). Unset: AWS's endpoint for the region. */
      @Pattern("^https?://.+") String endpoint,
      /** Path-style addressing (bucket in the path, not the host name): MinIO and most self-hosted stores. */
      Boolean pathStyle,
      /** Secret in this namespace with the access key id and secret access key. */
      @Required CredentialsSecret credentialsSecret,
      /** Secret in this namespace holding the PEM CA bundle the endpoint's certificate is checked against. */
      SecretKeyRef caBundleSecret,
      /** Server-side encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS, with kmsKeyId). Unset: the bucket's. */
      ServerSideEncryption serverSideEncryption,
      String kmsKeyId,
      /** Client-side encryption (AES-256-GCM) of every archive written; archives are decrypted with any key held. */
      Encryption encryption) {

    public S3(String bucket, String prefix, String region, String endpoint, Boolean pathStyle,
        CredentialsSecret credentialsSecret, SecretKeyRef caBundleSecret, ServerSideEncryption sse,
        String kmsKeyId) {
      this(bucket, prefix, region, endpoint, pathStyle, credentialsSecret, caBundleSecret, sse, kmsKeyId, null);
    }
  }

  /**
   * Keys in a Secret of this namespace: each data entry is one key (32 random bytes, e.g. {@code --from-file=
   * 2026-01=<(openssl rand 32)}) named by its id. New archives use {@code keyId}; rotate by adding a key and pointing
   * keyId at it, keeping the old ones for as long as archives encrypted with them exist.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Encryption(@Required String keySecret, @Required String keyId) {}

  public enum ServerSideEncryption {
    AES256,
    @JsonProperty("aws:kms") AWS_KMS
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CredentialsSecret(
      @Required String name,
      /** Key of the access key id in the Secret. Unset: AWS_ACCESS_KEY_ID. */
      String accessKeyIdKey,
      /** Key of the secret access key in the Secret. Unset: AWS_SECRET_ACCESS_KEY. */
      String secretAccessKeyKey) {

    public String effectiveAccessKeyIdKey() {
      return accessKeyIdKey == null ? "AWS_ACCESS_KEY_ID" : accessKeyIdKey;
    }

    public String effectiveSecretAccessKeyKey() {
      return secretAccessKeyKey == null ? "AWS_SECRET_ACCESS_KEY" : secretAccessKeyKey;
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SecretKeyRef(@Required String name, @Required String key) {}
}
