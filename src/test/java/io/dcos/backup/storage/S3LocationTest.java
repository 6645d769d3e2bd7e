package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.ArchiveCorruptException;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.store.S3Location;
import io.dcos.backup.zookeeper.ZNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * S3 locations against a real S3 API server (s3proxy, shared through {@link SharedWorld#s3()}): archives go up in
 * parts and come back byte for byte; a store that goes down mid-upload leaves neither an object nor parts; a
 * corrupt, truncated or swapped object is refused before anything is published; wrong credentials, an unknown bucket
 * and keys that would leave the prefix are refused with a clear reason.
 */
class S3LocationTest {
  private static EmbeddedS3 s3;

  @TempDir Path tmp;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = SharedWorld.s3();
  }

  private static S3Location location(String bucket, String prefix, boolean readOnly) {
    return location(bucket, prefix, readOnly, s3.endpoint(), EmbeddedS3.SECRET_KEY);
  }

  private static S3Location location(String bucket, String prefix, boolean readOnly, URI endpoint, String secret) {
    return new S3Location(new S3Location.Settings("test", bucket, prefix, "us-east-1", endpoint, true,
        EmbeddedS3.ACCESS_KEY, secret, null, readOnly, null, null));
  }

  private static String newId(String label) {
    return label + "-" + UUID.randomUUID();
  }

  /** An archive of {@code dataBytes} of incompressible data (random, so that no layer shrinks it) with ACLs. */
  private static Manifest archive(ArchiveStore store, String id, int dataBytes) throws IOException {
    List<ACL> digest = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", "dcos_marathon:abc=")));
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", null, digest));
    Random random = new Random(42);
    int perNode = 512 * 1024;
    for (int i = 0, left = dataBytes; left > 0; i++, left -= perNode) {
      byte[] data = new byte[Math.min(perNode, left)];
      random.nextBytes(data);
      nodes.add(new ZNode("/apps/" + i, data, i % 2 == 0 ? digest : ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    nodes.add(new ZNode("/ünï code", "ü".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.READ_ACL_UNSAFE));
    try (ArchiveWriter w = store.create(id)) {
      for (ZNode n : nodes) {
        w.accept(n);
      }
      return w.commit(new ManifestInfo(id, id.substring(0, id.length() - 37), Instant.now(), List.of("zk:2181"),
          "/marathon", "1.10.6"));
    }
  }

  private static List<ZNode> nodes(ArchiveStore store, String id) throws IOException {
    List<ZNode> out = new ArrayList<>();
    try (ArchiveReader r = store.open(id)) {
      r.nodes().forEachRemaining(out::add);
    }
    return out;
  }

  private static boolean noUploadsInProgress(String bucket) {
    return s3.client().listMultipartUploads(l -> l.bucket(bucket)).uploads().isEmpty();
  }

  @Test
  void anArchiveGoesUpInPartsAndComesBackByteForByte() throws Exception {
    String bucket = s3.createBucket("roundtrip");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("parts");
    Manifest written = archive(local, id, 20 * 1024 * 1024); // three 8 MiB parts
    try (S3Location location = location(bucket, "marathon/prod", false)) {
      location.check();
      location.upload(id, local.location(id));

      assertThat(location.objectKey(id)).isEqualTo("marathon/prod/" + id + ".tar");
      var head = s3.client().headObject(h -> h.bucket(bucket).key("marathon/prod/" + id + ".tar"));
      assertThat(head.contentLength()).isEqualTo(Files.size(local.location(id)));
      assertThat(head.eTag()).as("a multipart object's ETag names its part count").endsWith("-3\"");
      assertThat(location.ids()).containsExactly(id);
      assertThat(location.manifest(id)).contains(written);
      assertThat(location.verify(id)).isEqualTo(written);
      assertThat(noUploadsInProgress(bucket)).isTrue();

      ArchiveStore elsewhere = new ArchiveStore(tmp.resolve("elsewhere"));
      assertThat(location.download(id, elsewhere)).isEqualTo(written);
      assertThat(Files.readAllBytes(elsewhere.location(id))).isEqualTo(Files.readAllBytes(local.location(id)));
      assertThat(nodes(elsewhere, id)).isEqualTo(nodes(local, id));

      // Uploading again (an operator resuming after it died past the upload) finds it there and changes nothing.
      location.upload(id, local.location(id));
      assertThat(location.ids()).containsExactly(id);

      assertThat(location.delete(id)).isTrue();
      assertThat(location.ids()).isEmpty();
      assertThat(location.manifest(id)).isEmpty();
      assertThat(location.delete(id)).isFalse();
    }
  }

  @Test
  void theStoreGoingDownMidUploadLeavesNoObjectAndNoPartsAndARetrySucceeds() throws Exception {
    String bucket = s3.createBucket("outage");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("outage");
    archive(local, id, 12 * 1024 * 1024); // two parts
    try (OutageProxy proxy = new OutageProxy(new InetSocketAddress("127.0.0.1", s3.endpoint().getPort()));
         S3Location location = location(bucket, "", false, URI.create("http://127.0.0.1:" + proxy.port()),
             EmbeddedS3.SECRET_KEY)) {
      proxy.downOn("partNumber=2");
      Thread healer = new Thread(() -> {
        try {
          while (!proxy.tripped()) {
            Thread.sleep(20);
          }
          Thread.sleep(3_000); // longer than the SDK's own retries of the part
          proxy.heal();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      healer.start();
      assertThatThrownBy(() -> location.upload(id, local.location(id)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("upload of " + id)
          .hasMessageContaining("failed");
      healer.join();
      assertThat(proxy.tripped()).isTrue();
      assertThat(s3.client().listObjectsV2(l -> l.bucket(bucket)).contents()).as("no object").isEmpty();
      assertThat(noUploadsInProgress(bucket)).as("the parts were aborted once the store was back").isTrue();
      assertThat(location.ids()).isEmpty();

      location.upload(id, local.location(id));
      assertThat(location.verify(id).id()).isEqualTo(id);
    }
  }

  @Test
  void partsLeftByAKilledUploadAreAbortedByTheNextUploadOfThatKey() throws Exception {
    String bucket = s3.createBucket("leftover");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("left");
    archive(local, id, 1024);
    String key = id + ".tar";
    String orphan = s3.client().createMultipartUpload(c -> c.bucket(bucket).key(key)).uploadId();
    s3.client().uploadPart(p -> p.bucket(bucket).key(key).uploadId(orphan).partNumber(1),
        RequestBody.fromBytes(new byte[] {1, 2, 3}));
    try (S3Location location = location(bucket, null, false)) {
      assertThat(location.ids()).as("an unfinished upload is no object").isEmpty();
      location.upload(id, local.location(id));
      assertThat(noUploadsInProgress(bucket)).isTrue();
      assertThat(location.verify(id).id()).isEqualTo(id);
    }
  }

  @Test
  void aCorruptTruncatedOrSwappedObjectIsRefusedAndNothingIsPublished() throws Exception {
    String bucket = s3.createBucket("corrupt");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String good = newId("good");
    String other = newId("other");
    archive(local, good, 64 * 1024);
    archive(local, other, 32 * 1024);
    byte[] original = Files.readAllBytes(local.location(good));
    try (S3Location location = location(bucket, "p", false)) {
      location.upload(good, local.location(good));
      location.upload(other, local.location(other));
      var metadata = s3.client().headObject(h -> h.bucket(bucket).key("p/" + good + ".tar")).metadata();

      byte[] flipped = original.clone();
      flipped[original.length - 4096] ^= 0x40;
      byte[] truncated = java.util.Arrays.copyOf(original, original.length / 2);
      byte[] swapped = Files.readAllBytes(local.location(other));
      for (byte[] tampered : List.of(flipped, truncated, swapped)) {
        s3.client().putObject(p -> p.bucket(bucket).key("p/" + good + ".tar").metadata(metadata),
            RequestBody.fromBytes(tampered));
        assertThatThrownBy(() -> location.verify(good)).isInstanceOf(IOException.class);
        ArchiveStore into = new ArchiveStore(tmp.resolve("into-" + tampered.length));
        assertThatThrownBy(() -> location.download(good, into)).isInstanceOf(IOException.class)
            .satisfies(e -> assertThat(e).isInstanceOfAny(ArchiveCorruptException.class, IOException.class));
        try (var files = Files.list(into.directory())) {
          assertThat(files).as("nothing published, no temp file left").isEmpty();
        }
      }
      // Flipped without the SHA-256 the upload recorded: the archive's own framing and SHA-256 still refuse it.
      s3.client().putObject(p -> p.bucket(bucket).key("p/" + good + ".tar"), RequestBody.fromBytes(flipped));
      assertThatThrownBy(() -> location.verify(good)).isInstanceOf(ArchiveCorruptException.class);
      // The one the manifest names another backup: refused by name.
      s3.client().putObject(p -> p.bucket(bucket).key("p/" + good + ".tar"), RequestBody.fromBytes(swapped));
      assertThatThrownBy(() -> location.verify(good)).hasMessageContaining("manifest names another backup");
    }
  }

  @Test
  void wrongCredentialsAndAnUnknownBucketAreRefusedSayingSo() {
    String bucket = s3.createBucket("creds");
    try (S3Location wrongKey = location(bucket, "", false, s3.endpoint(), "not-the-secret")) {
      assertThatThrownBy(wrongKey::check).isInstanceOf(IOException.class)
          .hasMessageContaining("cannot use bucket " + bucket)
          .hasMessageContaining("access denied");
    }
    try (S3Location noBucket = location("no-such-bucket-" + System.nanoTime(), "", false)) {
      assertThatThrownBy(noBucket::check).isInstanceOf(IOException.class).hasMessageContaining("no such bucket");
    }
    try (S3Location nobodyListens = location(bucket, "", false, URI.create("http://127.0.0.1:1"),
        EmbeddedS3.SECRET_KEY)) {
      assertThatThrownBy(nobodyListens::check).isInstanceOf(IOException.class)
          .hasMessageContaining("cannot reach the store");
    }
  }

  @Test
  void theEndpointsCertificateIsCheckedAgainstTheConfiguredCaBundle() throws Exception {
    String bucket = s3.createBucket("tls");
    io.dcos.backup.dcos.TestCa ca = io.dcos.backup.dcos.TestCa.create("s3-test-ca");
    io.dcos.backup.dcos.TestCa stranger = io.dcos.backup.dcos.TestCa.create("another-ca");
    String pem = Files.readString(ca.writePem(tmp.resolve("ca.pem")));
    String otherPem = Files.readString(stranger.writePem(tmp.resolve("other.pem")));
    org.gaul.s3proxy.S3Proxy tls = s3.startTls(ca.serverContext());
    try {
      URI endpoint = URI.create("https://127.0.0.1:" + tls.getSecurePort());
      ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
      String id = newId("tls");
      archive(local, id, 4096);
      try (S3Location trusted = new S3Location(new S3Location.Settings("tls", bucket, "", "us-east-1", endpoint, true,
          EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, pem, false, null, null))) {
        trusted.check();
        trusted.upload(id, local.location(id));
        assertThat(trusted.verify(id).id()).isEqualTo(id);
      }
      for (String wrong : new String[] {null, otherPem}) {
        try (S3Location untrusted = new S3Location(new S3Location.Settings("tls", bucket, "", "us-east-1", endpoint,
            true, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, wrong, false, null, null))) {
          assertThatThrownBy(untrusted::check).isInstanceOf(IOException.class)
              .hasMessageContaining("TLS certificate is not trusted");
        }
      }
    } finally {
      tls.stop();
    }
  }

  private static S3Location encrypted(String bucket, String keyId, Map<String, byte[]> keys) {
    return new S3Location(new S3Location.Settings("enc", bucket, "enc", "us-east-1", s3.endpoint(), true,
        EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, null, false, null, null, keyId, keys));
  }

  private static byte[] key(int seed) {
    byte[] key = new byte[32];
    new Random(seed).nextBytes(key);
    return key;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Test
  void encryptedArchivesRoundTripAndStayReadableAfterAKeyRotation() throws Exception {
    String bucket = s3.createBucket("encrypted");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String before = newId("before");
    String after = newId("after");
    String plain = newId("plain");
    archive(local, before, 3 * 1024 * 1024); // several 1 MiB chunks
    archive(local, after, 64 * 1024);
    archive(local, plain, 1024);
    try (S3Location unencrypted = location(bucket, "enc", false)) {
      unencrypted.upload(plain, local.location(plain)); // written before encryption was turned on
    }
    try (S3Location first = encrypted(bucket, "k1", Map.of("k1", key(1)))) {
      first.upload(before, local.location(before));
    }
    byte[] stored = s3.client().getObjectAsBytes(g -> g.bucket(bucket).key("enc/" + before + ".tar")).asByteArray();
    assertThat(contains(stored, "manifest.json".getBytes(StandardCharsets.US_ASCII))).as("ciphertext only").isFalse();
    assertThat(contains(stored, key(1))).as("never the key").isFalse();
    assertThat(s3.client().headObject(h -> h.bucket(bucket).key("enc/" + before + ".tar")).metadata())
        .containsEntry("encryption-key-id", "k1");

    // Rotation: a second key is added and becomes the one new archives use; the first stays for the old archives.
    try (S3Location rotated = encrypted(bucket, "k2", Map.of("k1", key(1), "k2", key(2)))) {
      rotated.upload(after, local.location(after));
      for (String id : List.of(before, after, plain)) {
        assertThat(rotated.verify(id).id()).isEqualTo(id);
        ArchiveStore into = new ArchiveStore(tmp.resolve("into-" + id));
        rotated.download(id, into);
        assertThat(Files.readAllBytes(into.location(id))).as(id).isEqualTo(Files.readAllBytes(local.location(id)));
        assertThat(rotated.manifest(id)).isPresent();
      }
      assertThat(rotated.ids()).containsExactlyInAnyOrder(before, after, plain);
    }
    // The old key dropped too early: its archives are refused, naming the key they need.
    try (S3Location onlyNew = encrypted(bucket, "k2", Map.of("k2", key(2)))) {
      assertThatThrownBy(() -> onlyNew.verify(before)).isInstanceOf(ArchiveCorruptException.class)
          .hasMessageContaining("encrypted with key \"k1\"").hasMessageContaining("holds k2");
      assertThat(onlyNew.verify(after).id()).isEqualTo(after);
    }
    try (S3Location noKeys = location(bucket, "enc", false)) {
      assertThatThrownBy(() -> noKeys.verify(after)).hasMessageContaining("the location has no encryption keys");
    }
  }

  @Test
  void aWrongKeyOrTamperedCiphertextIsRefusedAndNothingIsPublished() throws Exception {
    String bucket = s3.createBucket("tampered");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("sealed");
    archive(local, id, 3 * 1024 * 1024);
    try (S3Location writer = encrypted(bucket, "k1", Map.of("k1", key(1)))) {
      writer.upload(id, local.location(id));
    }
    String objectKey = "enc/" + id + ".tar";
    var original = s3.client().getObjectAsBytes(g -> g.bucket(bucket).key(objectKey));
    byte[] ciphertext = original.asByteArray();
    var metadata = original.response().metadata();

    try (S3Location wrongKey = encrypted(bucket, "k1", Map.of("k1", key(99)))) {
      assertThatThrownBy(() -> wrongKey.verify(id)).isInstanceOf(ArchiveCorruptException.class)
          .hasMessageContaining("cannot be decrypted").hasMessageContaining("wrong key");
      assertPublishesNothing(wrongKey, id, "wrong-key");
    }
    byte[] flipped = ciphertext.clone();
    flipped[ciphertext.length / 2] ^= 0x01;
    byte[] cut = java.util.Arrays.copyOf(ciphertext, ciphertext.length - 100);
    // Cut exactly after the first chunk: a shorter but well-formed stream, refused because its last chunk is missing.
    int firstChunkEnd = 8 + 1 + 2 + 8 + 1 + 4 + 1024 * 1024 + 16;
    byte[] chunkAligned = java.util.Arrays.copyOf(ciphertext, firstChunkEnd);
    try (S3Location reader = encrypted(bucket, "k1", Map.of("k1", key(1)))) {
      Map<byte[], String> expected = new java.util.LinkedHashMap<>();
      expected.put(flipped, "fails its authentication tag");
      expected.put(cut, "is truncated inside encrypted chunk");
      expected.put(chunkAligned, "its encrypted stream ends before its last chunk");
      for (var entry : expected.entrySet()) {
        byte[] tampered = entry.getKey();
        s3.client().putObject(p -> p.bucket(bucket).key(objectKey).metadata(metadata), RequestBody.fromBytes(tampered));
        assertThatThrownBy(() -> reader.verify(id)).isInstanceOf(ArchiveCorruptException.class)
            .hasMessageContaining(entry.getValue());
        assertPublishesNothing(reader, id, "tampered-" + tampered.length);
      }
    }
  }

  private void assertPublishesNothing(S3Location location, String id, String dir) throws IOException {
    ArchiveStore into = new ArchiveStore(tmp.resolve(dir));
    assertThatThrownBy(() -> location.download(id, into)).isInstanceOf(IOException.class);
    try (var files = Files.list(into.directory())) {
      assertThat(files).as("nothing published, no temp file left").isEmpty();
    }
  }

  @Test
  void keysNeverLeaveThePrefix() {
    assertThat(S3Location.normalizePrefix("a/b")).isEqualTo("a/b/");
    assertThat(S3Location.normalizePrefix("a/b/")).isEqualTo("a/b/");
    assertThat(S3Location.normalizePrefix(null)).isEmpty();
    for (String bad : List.of("/abs", "../up", "a/../b", "a/./b", "a//b", ".hidden", "a\\b", "a/b/..", "%2e%2e")) {
      assertThatThrownBy(() -> S3Location.normalizePrefix(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    try (S3Location location = location("b", "p", false)) {
      for (String bad : List.of("../x", "a/b", ".x", "", "x/../../y")) {
        assertThatThrownBy(() -> location.objectKey(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void aReadOnlyLocationIsReadButNeverWrittenOrDeleted() throws Exception {
    String bucket = s3.createBucket("readonly");
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("ro");
    archive(local, id, 1024);
    try (S3Location writer = location(bucket, "", false)) {
      writer.upload(id, local.location(id));
    }
    try (S3Location readOnly = location(bucket, "", true)) {
      readOnly.check();
      assertThat(readOnly.ids()).containsExactly(id);
      assertThat(readOnly.verify(id).id()).isEqualTo(id);
      assertThatThrownBy(() -> readOnly.delete(id)).isInstanceOf(ArchiveLocation.ReadOnlyException.class)
          .hasMessageContaining("ReadOnly");
      assertThatThrownBy(() -> readOnly.upload(newId("other"), local.location(id)))
          .isInstanceOf(ArchiveLocation.ReadOnlyException.class);
      assertThat(readOnly.ids()).containsExactly(id);
    }
  }
}
