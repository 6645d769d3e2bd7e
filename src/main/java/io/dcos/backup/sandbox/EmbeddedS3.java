package io.dcos.backup.sandbox;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.filesystem.reference.FilesystemConstants;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A real S3 API server in-process, on loopback: s3proxy (the S3 protocol, SigV4, multipart uploads) over jclouds'
 * in-memory "transient" blob store. The sandbox's S3 storage and the bench's S3 figures run on one; tests share one
 * through the test world ({@code SharedWorld.s3()}).
 */
public final class EmbeddedS3 implements AutoCloseable {
  /** The fixed keys of {@link #start()}: for tests, which look for them in logs and statuses. */
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key-0123456789";
  public static final String REGION = "us-east-1";

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;
  private final S3Client client;

  private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, URI endpoint, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.context = context;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.client = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  /** With the fixed test keys. */
  public static EmbeddedS3 start() throws Exception {
    return start(ACCESS_KEY, SECRET_KEY);
  }

  /** With random keys, known only to this process: nothing else on the machine can use the server. */
  public static EmbeddedS3 startWithRandomKeys() throws Exception {
    RandomKeys keys = RandomKeys.generate();
    return start(keys.access(), keys.secret());
  }

  private record RandomKeys(String access, String secret) {
    static RandomKeys generate() {
      SecureRandom random = new SecureRandom();
      byte[] secret = new byte[30];
      random.nextBytes(secret);
      return new RandomKeys("embedded-" + Long.toHexString(random.nextLong() >>> 1),
          Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }
  }

  public static EmbeddedS3 start(String accessKey, String secretKey) throws Exception {
    BlobStoreContext context = ContextBuilder.newBuilder(new TransientApiMetadata())
        .credentials("identity", "credential")
        .overrides(new Properties())
        .build(BlobStoreContext.class);
    return serve(context, accessKey, secretKey);
  }

  /**
   * Objects as files under {@code directory} (jclouds' filesystem store), with random keys: for archives too big to
   * hold in the heap, and for figures where both S3 and the backup directory write to disk.
   */
  public static EmbeddedS3 startOnDisk(Path directory) throws Exception {
    Properties properties = new Properties();
    properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, directory.toAbsolutePath().toString());
    BlobStoreContext context = ContextBuilder.newBuilder(new FilesystemApiMetadata())
        .credentials("identity", "credential")
        .overrides(properties)
        .build(BlobStoreContext.class);
    RandomKeys keys = RandomKeys.generate();
    return serve(context, keys.access(), keys.secret());
  }

  private static EmbeddedS3 serve(BlobStoreContext context, String accessKey, String secretKey) throws Exception {
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .build();
    started(proxy, "s3proxy");
    return new EmbeddedS3(proxy, context, URI.create("http://127.0.0.1:" + proxy.getPort()), accessKey, secretKey);
  }

  /**
   * A second S3 server over the same buckets, speaking only HTTPS with {@code serverContext}'s certificate: for the
   * certificate checks. The caller closes it.
   */
  public S3Proxy startTls(SSLContext serverContext) throws Exception {
    S3Proxy tls = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .secureEndpoint(URI.create("https://127.0.0.1:0"))
        .sslContext(serverContext)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .build();
    started(tls, "s3proxy (TLS)");
    return tls;
  }

  /** Starts the server and waits until it listens (its start returns before Jetty is up). */
  private static void started(S3Proxy proxy, String what) throws Exception {
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(what + " did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** A client with the server's credentials: to look at (or, in tests, tamper with) what the operator stored. */
  public S3Client client() {
    return client;
  }

  /** A new, empty bucket. */
  public String createBucket(String prefix) {
    String name = prefix + "-" + Long.toHexString(System.nanoTime());
    client.createBucket(b -> b.bucket(name));
    return name;
  }

  @Override
  public void close() {
    client.close();
    try {
      proxy.stop();
    } catch (Exception e) {
      // exiting anyway
    }
    context.close();
  }
}
