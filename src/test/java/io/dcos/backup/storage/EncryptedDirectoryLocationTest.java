package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.store.ArchiveCorruptException;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.DirectoryLocation;
import io.dcos.backup.store.EncryptionKeys;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.ZNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client-side encryption of a filesystem location, with the same guarantees as on S3: only ciphertext and the key's
 * id on disk, never the key; the SHA-256 of the plaintext checked; rotation by adding keys, older and plaintext
 * archives staying readable; a wrong key, a flipped bit, a truncation are refused and nothing is published.
 */
class EncryptedDirectoryLocationTest {
  @TempDir Path tmp;

  private static byte[] key(int seed) {
    byte[] key = new byte[32];
    new Random(seed).nextBytes(key);
    return key;
  }

  private DirectoryLocation location(String keyId, Map<String, byte[]> keys) {
    return new DirectoryLocation("vault", new ArchiveStore(tmp.resolve("vault")), false, false,
        keyId == null && keys.isEmpty() ? EncryptionKeys.NONE : new EncryptionKeys(keyId, keys));
  }

  private static String newId(String label) {
    return label + "-" + UUID.randomUUID();
  }

  private static Manifest archive(ArchiveStore store, String id, int dataBytes) throws IOException {
    Random random = new Random(7);
    try (ArchiveWriter w = store.create(id)) {
      w.accept(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
      int perNode = 256 * 1024;
      for (int i = 0, left = dataBytes; left > 0; i++, left -= perNode) {
        byte[] data = new byte[Math.min(perNode, left)];
        random.nextBytes(data);
        w.accept(new ZNode("/apps/" + i, data, ZooDefs.Ids.READ_ACL_UNSAFE));
      }
      return w.commit(new ManifestInfo(id, "sealed", Instant.now(), List.of("zk:2181"), "/marathon", "1.10.6"));
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void encryptedArchivesRoundTripAndStayReadableAfterAKeyRotation() throws Exception {
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String plain = newId("plain");
    String before = newId("before");
    String after = newId("after");
    archive(local, plain, 1024);
    archive(local, before, 3 * 1024 * 1024); // several 1 MiB chunks
    archive(local, after, 64 * 1024);
    location(null, Map.of()).upload(plain, local.location(plain)); // copied before encryption was turned on

    DirectoryLocation first = location("k1", Map.of("k1", key(1)));
    first.upload(before, local.location(before));
    Path stored = tmp.resolve("vault").resolve(before + ".tar");
    byte[] bytes = Files.readAllBytes(stored);
    assertThat(new String(bytes, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("MBKENC01");
    assertThat(contains(bytes, "manifest.json".getBytes(StandardCharsets.US_ASCII))).as("ciphertext only").isFalse();
    assertThat(contains(bytes, key(1))).as("never the key").isFalse();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).as("not world-readable")
        .isEqualTo("rw-------");
    assertThat(first.encryptionKeyId(before)).contains("k1");
    assertThat(first.encryptionKeyId(plain)).isEmpty();

    DirectoryLocation rotated = location("k2", Map.of("k1", key(1), "k2", key(2)));
    rotated.upload(after, local.location(after));
    assertThat(rotated.encryptionKeyId(after)).contains("k2");
    for (String id : List.of(plain, before, after)) {
      assertThat(rotated.verify(id).id()).isEqualTo(id);
      assertThat(rotated.manifest(id)).map(Manifest::sha256).contains(local.verify(id).sha256());
      ArchiveStore into = new ArchiveStore(tmp.resolve("into-" + id));
      rotated.download(id, into);
      assertThat(Files.readAllBytes(into.location(id))).as(id).isEqualTo(Files.readAllBytes(local.location(id)));
    }
    assertThat(rotated.ids()).containsExactlyInAnyOrder(plain, before, after);

    // The old key dropped too early: its archives are refused, naming the key they need.
    DirectoryLocation onlyNew = location("k2", Map.of("k2", key(2)));
    assertThatThrownBy(() -> onlyNew.verify(before)).isInstanceOf(ArchiveCorruptException.class)
        .hasMessageContaining("encrypted with key \"k1\"").hasMessageContaining("holds k2");
    assertThat(onlyNew.verify(after).id()).isEqualTo(after);
  }

  @Test
  void aWrongKeyOrTamperedCiphertextIsRefusedAndNothingIsPublished() throws Exception {
    ArchiveStore local = new ArchiveStore(tmp.resolve("local"));
    String id = newId("sealed");
    archive(local, id, 3 * 1024 * 1024);
    location("k1", Map.of("k1", key(1))).upload(id, local.location(id));
    Path stored = tmp.resolve("vault").resolve(id + ".tar");
    byte[] ciphertext = Files.readAllBytes(stored);

    DirectoryLocation wrongKey = location("k1", Map.of("k1", key(99)));
    assertThatThrownBy(() -> wrongKey.verify(id)).isInstanceOf(ArchiveCorruptException.class)
        .hasMessageContaining("cannot be decrypted").hasMessageContaining("wrong key");
    assertPublishesNothing(wrongKey, id, "wrong-key");

    byte[] flipped = ciphertext.clone();
    flipped[ciphertext.length / 2] ^= 0x01;
    byte[] cut = Arrays.copyOf(ciphertext, ciphertext.length - 100);
    int firstChunkEnd = 8 + 1 + 2 + 8 + 1 + 4 + 1024 * 1024 + 16;
    byte[] chunkAligned = Arrays.copyOf(ciphertext, firstChunkEnd);
    Map<byte[], String> expected = new LinkedHashMap<>();
    expected.put(flipped, "fails its authentication tag");
    expected.put(cut, "is truncated inside encrypted chunk");
    expected.put(chunkAligned, "its encrypted stream ends before its last chunk");
    DirectoryLocation reader = location("k1", Map.of("k1", key(1)));
    for (var entry : expected.entrySet()) {
      Files.write(stored, entry.getKey());
      assertThatThrownBy(() -> reader.verify(id)).isInstanceOf(ArchiveCorruptException.class)
          .hasMessageContaining(entry.getValue());
      assertPublishesNothing(reader, id, "tampered-" + entry.getKey().length);
    }
  }

  @Test
  void theBackupDirectoryItselfIsNeverEncrypted() {
    ArchiveStore backupDirectory = new ArchiveStore(tmp.resolve("backups"));
    assertThatThrownBy(() -> new DirectoryLocation("default", backupDirectory, true, false,
        new EncryptionKeys("k1", Map.of("k1", key(1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a directory other than the operator's backup directory");
    assertThatThrownBy(() -> new EncryptionKeys("k3", Map.of("k1", key(1))))
        .hasMessageContaining("holds no key k3");
    assertThatThrownBy(() -> new EncryptionKeys("short", Map.of("short", new byte[16])))
        .hasMessageContaining("must be 32 bytes");
  }

  private void assertPublishesNothing(DirectoryLocation location, String id, String dir) throws IOException {
    ArchiveStore into = new ArchiveStore(tmp.resolve(dir));
    assertThatThrownBy(() -> location.download(id, into)).isInstanceOf(IOException.class);
    try (var files = Files.list(into.directory())) {
      assertThat(files).as("nothing published, no temp file left").isEmpty();
    }
  }
}
