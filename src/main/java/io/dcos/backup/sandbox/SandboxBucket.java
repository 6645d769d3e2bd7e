package io.dcos.backup.sandbox;

import java.net.URI;

/**
 * The bucket the sandbox keeps its archives in: the embedded S3 server's, or a user's real one. {@link #toString()}
 * leaves the keys out: it may be printed.
 *
 * @param endpoint null for AWS's own endpoint of the region
 * @param caBundlePem PEM certificates the endpoint's TLS certificate must chain to; null: the JVM's trust store
 */
public record SandboxBucket(URI endpoint, String bucket, String prefix, String region, boolean pathStyle,
    String accessKeyId, String secretAccessKey, String caBundlePem) {

  /** A new bucket on the embedded server. */
  public static SandboxBucket on(EmbeddedS3 server, String prefix) {
    return new SandboxBucket(server.endpoint(), server.createBucket("marathon-backups"), prefix, EmbeddedS3.REGION,
        true, server.accessKey(), server.secretKey(), null);
  }

  /** {@code s3://bucket/prefix/} */
  public String where() {
    return "s3://" + bucket + "/" + (prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix
        : prefix + "/");
  }

  @Override
  public String toString() {
    return where() + " (endpoint " + (endpoint == null ? "AWS" : endpoint) + ", region " + region + ")";
  }
}
