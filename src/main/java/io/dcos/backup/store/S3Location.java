package io.dcos.backup.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Archives as objects {@code <prefix><id>.tar} in an S3 bucket (AWS, MinIO, Ceph RGW, any S3-compatible store).
 *
 * <p>Upload is a multipart upload from the verified local archive, one part buffer at a time ({@link #PART_SIZE}), so
 * memory is bounded whatever the archive's size. Each part carries its SHA-256 ({@code x-amz-checksum-sha256}),
 * checked by stores that support additional checksums; the whole file's SHA-256 goes in the object's metadata and
 * is checked on every read. S3 makes a multipart object visible only when the upload is completed; a failed upload
 * is aborted (its parts deleted), and one left by a killed operator is aborted by the next upload of the same key.
 *
 * <p>Longer than this project's ~400-line mark on purpose: one S3 client's whole life (TLS trust, multipart upload
 * with its aborts, ranged and verified reads, the mapping of S3 errors into messages) in the one class that owns it.
 */
public final class S3Location implements ArchiveLocation {
  private static final Logger LOG = LoggerFactory.getLogger(S3Location.class);
  /** 8 MiB: above S3's 5 MiB minimum, one buffer of it is all the upload holds in memory. */
  public static final int PART_SIZE = 8 * 1024 * 1024;
  static final String SHA_METADATA = "archive-sha256";
  static final String KEY_ID_METADATA = "encryption-key-id";
  private static final String SUFFIX = ".tar";
  /** The manifest (at most 1 MiB) and the tar header before it, with room for the encryption's chunk overhead. */
  private static final int MANIFEST_RANGE = 3 * 1024 * 1024;
  private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9!_*'()-][A-Za-z0-9!_.*'()-]*");
  private static final Duration ABORT_PERSISTENCE = Duration.ofSeconds(20);

  /**
   * Where and how to reach the bucket. {@link #toString()} leaves the secret key out: settings may be logged.
   *
   * @param endpoint null for AWS's own endpoint of the region
   * @param caBundlePem PEM certificates the endpoint's TLS certificate must chain to (null: the JVM's trust store)
   * @param serverSideEncryption null, "AES256" or "aws:kms"
   */
  public record Settings(String name, String bucket, String prefix, String region, URI endpoint, boolean pathStyle,
      String accessKeyId, String secretAccessKey, String caBundlePem, boolean readOnly, String serverSideEncryption,
      String kmsKeyId, String encryptionKeyId, Map<String, byte[]> encryptionKeys) {

    /** Without client-side encryption. */
    public Settings(String name, String bucket, String prefix, String region, URI endpoint, boolean pathStyle,
        String accessKeyId, String secretAccessKey, String caBundlePem, boolean readOnly, String serverSideEncryption,
        String kmsKeyId) {
      this(name, bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, caBundlePem, readOnly,
          serverSideEncryption, kmsKeyId, null, Map.of());
    }

    @Override
    public String toString() {
      return "S3 location " + name + " (s3://" + bucket + "/" + (prefix == null ? "" : prefix) + ", endpoint "
          + (endpoint == null ? "AWS" : endpoint) + ", access key id " + accessKeyId + ")";
    }
  }

  private final Settings settings;
  private final String prefix;
  private final S3Client s3;
  /** Whether the store takes x-amz-checksum-sha256; learnt from its first refusal. */
  private volatile boolean additionalChecksums = true;

  public S3Location(Settings settings) {
    this.settings = settings;
    this.prefix = normalizePrefix(settings.prefix());
    if (settings.encryptionKeyId() != null) {
      byte[] key = settings.encryptionKeys() == null ? null : settings.encryptionKeys().get(settings.encryptionKeyId());
      if (key == null) {
        throw new IllegalArgumentException("the encryption key Secret holds no key " + settings.encryptionKeyId());
      }
      settings.encryptionKeys().forEach(ChunkedEncryption::validateKey);
    }
    var http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofSeconds(60));
    if (settings.caBundlePem() != null) {
      TrustManagerFactory trust = trustManagers(settings.caBundlePem());
      http.tlsTrustManagersProvider(trust::getTrustManagers);
    }
    var builder = S3Client.builder()
        .httpClientBuilder(http)
        .region(Region.of(settings.region() == null ? "us-east-1" : settings.region()))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build())
        // The parts' SHA-256 are computed here and sent as plain headers; the SDK's own default (CRC32 in an
        // aws-chunked trailer) is unknown to many S3-compatible stores. Reads are verified against the archive's
        // own SHA-256, which is stronger than the store's response checksum.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    this.s3 = builder.build();
  }

  /**
   * "" or {@code a/b/}: no leading '/', no empty, '.' or '..' segment, so that no key derived from it and a backup
   * id (itself without '/', see {@link ArchiveStore#validateId}) can leave the prefix.
   */
  public static String normalizePrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return "";
    }
    String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    for (String segment : p.split("/", -1)) {
      if (!PREFIX_SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException("S3 prefix \"" + prefix + "\" is not a plain folder path (segments of "
            + "letters, digits and !_.*'()- not starting with '.', separated by single '/', no leading '/')");
      }
    }
    return p + "/";
  }

  private static TrustManagerFactory trustManagers(String pem) {
    try {
      KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
      keys.load(null, null);
      int n = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        keys.setCertificateEntry("ca-" + n++, c);
      }
      if (n == 0) {
        throw new IllegalArgumentException("the CA bundle holds no PEM certificate");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(keys);
      return tmf;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("the CA bundle cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public boolean readOnly() {
    return settings.readOnly();
  }

  @Override
  public boolean primary() {
    return false;
  }

  @Override
  public String where() {
    return "s3://" + settings.bucket() + "/" + prefix;
  }

  @Override
  public String objectKey(String id) {
    Optional<String> problem = ArchiveStore.validateId(id);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return prefix + id + SUFFIX;
  }

  @Override
  public void check() throws IOException {
    try {
      s3.headBucket(b -> b.bucket(settings.bucket()));
      s3.listObjectsV2(l -> l.bucket(settings.bucket()).prefix(prefix).maxKeys(1));
    } catch (SdkException e) {
      throw failure("cannot use bucket " + settings.bucket(), e);
    }
  }

  @Override
  public void upload(String id, Path archive) throws IOException {
    if (readOnly()) {
      throw new ReadOnlyException("storage location " + name() + " is ReadOnly: the operator does not write to "
          + where());
    }
    String key = objectKey(id);
    String sha = ArchiveStore.sha256Of(archive);
    Optional<HeadObjectResponse> existing = head(key);
    if (existing.isPresent()) {
      if (sha.equals(existing.get().metadata().get(SHA_METADATA))) {
        LOG.info("{} is already in {} (uploaded by an earlier attempt)", id, where());
        return;
      }
      throw new IOException("s3://" + settings.bucket() + "/" + key + " already exists with other content");
    }
    abortUnfinishedUploads(key);
    String uploadId = createUpload(id, key, sha);
    boolean withChecksums = additionalChecksums;
    boolean completed = false;
    try {
      List<CompletedPart> parts = new ArrayList<>();
      byte[] buffer = new byte[PART_SIZE];
      try (InputStream in = settings.encryptionKeyId() == null ? Files.newInputStream(archive)
          : ChunkedEncryption.encrypt(Files.newInputStream(archive), settings.encryptionKeyId(),
              settings.encryptionKeys().get(settings.encryptionKeyId()))) {
        for (int number = 1; ; number++) {
          int n = in.readNBytes(buffer, 0, PART_SIZE);
          if (n == 0 && number > 1) {
            break;
          }
          final int length = n;
          final int partNumber = number;
          // SHA-256 where the store takes additional checksums; otherwise Content-MD5, which every S3 store checks.
          String partSha = withChecksums ? digest("SHA-256", buffer, n) : null;
          String partMd5 = withChecksums ? null : digest("MD5", buffer, n);
          var response = s3.uploadPart(p -> p.bucket(settings.bucket()).key(key).uploadId(uploadId)
                  .partNumber(partNumber).contentLength((long) length).checksumSHA256(partSha).contentMD5(partMd5),
              RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                  "application/octet-stream"));
          parts.add(CompletedPart.builder().partNumber(partNumber).eTag(response.eTag())
              .checksumSHA256(response.checksumSHA256()).build());
          if (n < PART_SIZE) {
            break;
          }
          if (Thread.currentThread().isInterrupted()) {
            throw new IOException("upload of " + id + " interrupted");
          }
        }
      }
      s3.completeMultipartUpload(c -> c.bucket(settings.bucket()).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(parts)));
      completed = true;
      LOG.info("uploaded {} to s3://{}/{} in {} part(s)", id, settings.bucket(), key, parts.size());
    } catch (SdkException e) {
      throw failure("upload of " + id + " to " + where() + " failed", e);
    } finally {
      if (!completed) {
        abortQuietly(key, uploadId);
      }
    }
  }

  /**
   * Starts the multipart upload, asking for SHA-256 part checksums; a store that does not implement additional
   * checksums (501 NotImplemented: s3proxy, older MinIO and Ceph) gets one without, and every later upload too.
   */
  private String createUpload(String id, String key, String sha) throws IOException {
    for (boolean checksums = additionalChecksums; ; checksums = false) {
      CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
          .bucket(settings.bucket()).key(key).contentType("application/x-tar")
          .metadata(settings.encryptionKeyId() == null ? Map.of(SHA_METADATA, sha)
              : Map.of(SHA_METADATA, sha, KEY_ID_METADATA, settings.encryptionKeyId()));
      if (checksums) {
        create.checksumAlgorithm(ChecksumAlgorithm.SHA256);
      }
      if (settings.serverSideEncryption() != null) {
        create.serverSideEncryption(ServerSideEncryption.fromValue(settings.serverSideEncryption()));
        if (settings.kmsKeyId() != null) {
          create.ssekmsKeyId(settings.kmsKeyId());
        }
      }
      try {
        return s3.createMultipartUpload(create.build()).uploadId();
      } catch (S3Exception e) {
        if (checksums && e.statusCode() == 501) {
          LOG.info("{} does not implement additional checksums ({}); parts are sent with Content-MD5", where(),
              describe(e));
          additionalChecksums = false;
          continue;
        }
        throw failure("cannot start the upload of " + id + " to " + where(), e);
      } catch (SdkException e) {
        throw failure("cannot start the upload of " + id + " to " + where(), e);
      }
    }
  }

  private static String digest(String algorithm, byte[] buffer, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance(algorithm);
      digest.update(buffer, 0, length);
      return Base64.getEncoder().encodeToString(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parts of an upload a killed operator left behind: never visible as an object, but they cost storage. */
  private void abortUnfinishedUploads(String key) throws IOException {
    try {
      for (MultipartUpload upload : s3.listMultipartUploadsPaginator(l -> l.bucket(settings.bucket()).prefix(key))
          .uploads()) {
        if (key.equals(upload.key())) {
          LOG.info("aborting an unfinished upload of s3://{}/{} left by an earlier attempt", settings.bucket(), key);
          s3.abortMultipartUpload(a -> a.bucket(settings.bucket()).key(key).uploadId(upload.uploadId()));
        }
      }
    } catch (SdkException e) {
      throw failure("cannot list unfinished uploads in " + where(), e);
    }
  }

  /**
   * Aborts a failed upload; the store may be down at that very moment (that may be why the upload failed), so this
   * keeps trying for a while. An interruption (operator stopping) does not stop it: parts must not be left behind.
   */
  private void abortQuietly(String key, String uploadId) {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + ABORT_PERSISTENCE.toNanos();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          s3.abortMultipartUpload(a -> a.bucket(settings.bucket()).key(key).uploadId(uploadId));
          LOG.info("aborted the unfinished upload of s3://{}/{}", settings.bucket(), key);
          return;
        } catch (SdkException e) {
          if (e instanceof S3Exception s && s.statusCode() == 404) {
            return; // already gone
          }
          if (System.nanoTime() - deadline > 0) {
            LOG.warn("could not abort the unfinished upload of s3://{}/{} ({}); the next upload of it aborts it",
                settings.bucket(), key, describe(e));
            return;
          }
          try {
            Thread.sleep(Math.min(2_000, 200L * attempt));
          } catch (InterruptedException ie) {
            interrupted = true;
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Optional<HeadObjectResponse> head(String key) throws IOException {
    try {
      return Optional.of(s3.headObject(h -> h.bucket(settings.bucket()).key(key)));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("cannot read s3://" + settings.bucket() + "/" + key, e);
    } catch (SdkException e) {
      throw failure("cannot read s3://" + settings.bucket() + "/" + key, e);
    }
  }

  @Override
  public Optional<Manifest> manifest(String id) throws IOException {
    if (head(objectKey(id)).isEmpty()) {
      return Optional.empty();
    }
    return readStart(id, MANIFEST_RANGE, in -> {
      Manifest m = ArchiveStore.manifestOf(id, plaintext(in, id));
      in.abort();
      return Optional.of(m);
    });
  }

  @Override
  public Optional<String> encryptionKeyId(String id) throws IOException {
    return readStart(id, ChunkedEncryption.MAX_HEADER, ChunkedEncryption::keyIdOf);
  }

  /** What a ranged read learns from the start of an archive's object. */
  @FunctionalInterface
  private interface StartRead<T> {
    Optional<T> read(ResponseInputStream<GetObjectResponse> in) throws IOException;
  }

  /**
   * The one ranged read: the first {@code bytes} of archive {@code id}'s object, given to {@code read}; empty when the
   * object does not exist (404).
   */
  private <T> Optional<T> readStart(String id, int bytes, StartRead<T> read) throws IOException {
    String key = objectKey(id);
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(g -> g.bucket(settings.bucket()).key(key)
        .range("bytes=0-" + (bytes - 1)))) {
      return read.read(in);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("cannot read " + describe(id), e);
    } catch (SdkException e) {
      throw failure("cannot read " + describe(id), e);
    }
  }

  @Override
  public Manifest verify(String id) throws IOException {
    try (Download download = open(id)) {
      Manifest m = ArchiveStore.verifyStream(id, new KeepOpen(download.in));
      download.in.transferTo(OutputStream.nullOutputStream()); // the tar's end padding: hashed too
      download.checkWholeSha();
      return m;
    }
  }

  @Override
  public Manifest download(String id, ArchiveStore into) throws IOException {
    String key = objectKey(id);
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(g -> g.bucket(settings.bucket()).key(key))) {
      return into.importArchive(id, plaintext(in, id), in.response().metadata().get(SHA_METADATA));
    } catch (S3Exception e) {
      throw failure(e.statusCode() == 404 ? "there is no archive " + describe(id) : "cannot read " + describe(id), e);
    } catch (SdkException e) {
      throw failure("download of " + describe(id) + " failed", e);
    }
  }

  /** The archive's bytes: decrypted (and authenticated chunk by chunk) when the object is encrypted. */
  private InputStream plaintext(InputStream stored, String id) throws IOException {
    return ChunkedEncryption.decryptIfEncrypted(stored, settings.encryptionKeys(), describe(id));
  }

  private Download open(String id) throws IOException {
    String key = objectKey(id);
    try {
      ResponseInputStream<GetObjectResponse> raw = s3.getObject(g -> g.bucket(settings.bucket()).key(key));
      return new Download(id, raw, plaintext(raw, id));
    } catch (S3Exception e) {
      throw failure(e.statusCode() == 404 ? "there is no archive " + describe(id) : "cannot read " + describe(id), e);
    } catch (SdkException e) {
      throw failure("download of " + describe(id) + " failed", e);
    }
  }

  private static final class Download implements AutoCloseable {
    final String id;
    final ResponseInputStream<GetObjectResponse> raw;
    final MessageDigest sha = sha256();
    final InputStream in;

    Download(String id, ResponseInputStream<GetObjectResponse> raw, InputStream plain) {
      this.id = id;
      this.raw = raw;
      this.in = new DigestInputStream(plain, sha);
    }

    void checkWholeSha() throws ArchiveCorruptException {
      String expected = raw.response().metadata().get(SHA_METADATA);
      String actual = HexFormat.of().formatHex(sha.digest());
      if (expected != null && !expected.equalsIgnoreCase(actual)) {
        throw new ArchiveCorruptException(id + ": the archive's SHA-256 is " + actual + ", the store recorded "
            + expected + " when it was written");
      }
    }

    @Override
    public void close() throws IOException {
      raw.close();
    }
  }

  @Override
  public List<String> ids() throws IOException {
    List<String> ids = new ArrayList<>();
    try {
      for (S3Object object : s3.listObjectsV2Paginator(l -> l.bucket(settings.bucket()).prefix(prefix)).contents()) {
        String rest = object.key().substring(prefix.length());
        if (rest.endsWith(SUFFIX) && !rest.contains("/")) {
          String id = rest.substring(0, rest.length() - SUFFIX.length());
          if (ArchiveStore.validateId(id).isEmpty()) {
            ids.add(id);
          }
        }
      }
    } catch (SdkException e) {
      throw failure("cannot list " + where(), e);
    }
    return ids;
  }

  @Override
  public boolean delete(String id) throws IOException {
    if (readOnly()) {
      throw new ReadOnlyException("storage location " + name() + " is ReadOnly: the operator does not delete "
          + "archive " + id + " from " + where());
    }
    String key = objectKey(id);
    if (head(key).isEmpty()) {
      return false;
    }
    try {
      s3.deleteObject(d -> d.bucket(settings.bucket()).key(key));
      return true;
    } catch (SdkException e) {
      throw failure("cannot delete " + describe(id), e);
    }
  }

  /** The store's answer in words: what a user can act on (credentials, bucket name, endpoint, certificate). */
  private IOException failure(String what, SdkException e) {
    return new IOException(what + ": " + describe(e), e);
  }

  static String describe(SdkException e) {
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      String detail = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorMessage();
      String meaning = switch (s.statusCode()) {
        case 403 -> "access denied (wrong credentials, or they lack permission on the bucket)";
        case 404 -> "NoSuchBucket".equals(code) || code == null ? "no such bucket" : "not found";
        case 301, 400 -> "the store refused the request (wrong region or endpoint?)";
        default -> "the store answered HTTP " + s.statusCode();
      };
      return meaning + (code == null ? "" : " [" + code + "]") + (detail == null ? "" : ": " + detail);
    }
    if (e instanceof SdkClientException) {
      Throwable root = e;
      boolean tls = false;
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        tls |= t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException
            || t instanceof java.security.cert.CertPathBuilderException
            || t instanceof java.security.cert.CertPathValidatorException;
        root = t;
      }
      String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      if (tls) {
        return "the endpoint's TLS certificate is not trusted (check caBundleSecret): " + message;
      }
      return "cannot reach the store: " + message;
    }
    return e.getMessage();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
