package io.dcos.backup.cli;

import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.S3CredentialsFile;
import io.dcos.backup.sandbox.SandboxBucket;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the sandbox keeps its archives: the backup directory (the default), the embedded S3 server, or a bucket. */
final class SandboxStorageOptions {
  static final String FILESYSTEM = "filesystem";
  static final String S3 = "s3";

  @Option(names = "--storage", paramLabel = "filesystem|s3", defaultValue = FILESYSTEM,
      description = {"Where archives go: the backup directory (default), or an S3 BackupStorageLocation marked",
          "default: on an S3 server the sandbox starts in-process, or on --s3-bucket."})
  String storage;

  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "With --s3-bucket: the store's https://… (MinIO, Ceph RGW); unset: AWS S3 in --s3-region.")
  String endpoint;

  @Option(names = "--s3-bucket", paramLabel = "NAME",
      description = "An existing bucket to use instead of the embedded S3 server; needs --s3-credentials.")
  String bucket;

  @Option(names = "--s3-region", paramLabel = "REGION", description = "With --s3-bucket (default: us-east-1).")
  String region;

  @Option(names = "--s3-prefix", paramLabel = "PREFIX",
      description = "Folder in the bucket for the sandbox's archives (default: marathon-sandbox; embedded: sandbox).")
  String prefix;

  @Option(names = "--s3-credentials", paramLabel = "FILE",
      description = {"The bucket's keys: AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines, or an AWS",
          "credentials file ([default] profile). They go into a Secret of the embedded API; never printed."})
  Path credentials;

  @Option(names = "--s3-path-style", description = "With --s3-bucket: bucket in the path, not the host name (MinIO).")
  boolean pathStyle;

  @Option(names = "--s3-ca-bundle", paramLabel = "FILE",
      description = "With --s3-bucket: PEM CA certificates the endpoint's certificate must chain to.")
  Path caBundle;

  /** The choice refused, in one line. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * Checks everything before anything starts, including that the credentials file can be read.
   *
   * @return the world to build: unchanged for the backup directory
   */
  EmbeddedWorld.Builder applyTo(EmbeddedWorld.Builder world) throws Refused {
    if (!FILESYSTEM.equals(storage) && !S3.equals(storage)) {
      throw new Refused("--storage must be " + FILESYSTEM + " or " + S3 + ", not '" + storage + "'");
    }
    Map<String, Boolean> given = new LinkedHashMap<>();
    given.put("--s3-bucket", bucket != null);
    given.put("--s3-endpoint", endpoint != null);
    given.put("--s3-region", region != null);
    given.put("--s3-credentials", credentials != null);
    given.put("--s3-path-style", pathStyle);
    given.put("--s3-ca-bundle", caBundle != null);
    given.put("--s3-prefix", prefix != null);
    Optional<String> anyGiven = given.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
        .findFirst();
    if (FILESYSTEM.equals(storage)) {
      if (anyGiven.isPresent()) {
        throw new Refused(anyGiven.get() + " applies to --storage s3 only (archives go to the backup directory "
            + "otherwise)");
      }
      return world;
    }
    if (bucket == null) {
      Optional<String> realOnly = given.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
          .filter(name -> !name.equals("--s3-prefix")).findFirst();
      if (realOnly.isPresent()) {
        throw new Refused(realOnly.get() + " describes a real bucket: give --s3-bucket NAME too (without it the "
            + "sandbox starts its own S3 server)");
      }
      return world.embeddedS3Storage(prefix == null ? "sandbox" : prefix);
    }
    if (credentials == null) {
      throw new Refused("--s3-bucket needs --s3-credentials FILE (the bucket's access key pair)");
    }
    URI uri = null;
    if (endpoint != null) {
      try {
        uri = URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        throw new Refused("--s3-endpoint wants http(s)://host[:port], not '" + endpoint + "'");
      }
      if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
        throw new Refused("--s3-endpoint wants http(s)://host[:port], not '" + endpoint + "'");
      }
    }
    S3CredentialsFile.Keys keys;
    try {
      keys = S3CredentialsFile.read(credentials);
    } catch (IOException e) {
      throw new Refused("--s3-credentials: " + e.getMessage());
    }
    String ca = null;
    if (caBundle != null) {
      try {
        ca = Files.readString(caBundle, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new Refused("--s3-ca-bundle: cannot read " + caBundle + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    return world.s3Storage(new SandboxBucket(uri, bucket, prefix == null ? "marathon-sandbox" : prefix,
        region == null ? EmbeddedS3.REGION : region, pathStyle, keys.accessKeyId(), keys.secretAccessKey(), ca));
  }
}
