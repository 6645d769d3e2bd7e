package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.engine.OperationFailedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guarantee 3 of issue 3: a damaged archive is refused before the restore touches ZooKeeper or Marathon: no fence
 * (Marathon is not restarted: no new election), no write (every node's mzxid/pzxid/aversion unchanged), no safety
 * snapshot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchiveIntegrityTest {
  private static final String ID = "good-backup";

  @RegisterExtension
  static final FaultWorld world = FaultWorld.perClass();
  private byte[] pristine;
  private int attempt;

  @BeforeAll
  void backUpATree() throws Exception {
    world.put(world.tree(2, 600, 3));
    world.service.backup(ID, "good", world.progress::add);
    world.put(world.tree(1, 500, 2));
    pristine = Files.readAllBytes(world.service.store().location(ID));
  }

  private void assertRefusedUntouched(UnaryOperator<byte[]> damage, String expected) throws Exception {
    assertRefusedUntouched(damage, "archive corrupt: ", expected);
  }

  private void assertRefusedUntouched(UnaryOperator<byte[]> damage, String kind, String expected) throws Exception {
    Path file = world.service.store().location(ID);
    Files.write(file, damage.apply(pristine.clone()));
    world.awaitElected(Duration.ofSeconds(20));
    List<String> before = world.stamps();
    List<String> content = world.liveFingerprint();
    int elections = world.sim.elections();
    String safetyId = "safety-integrity-" + (++attempt);
    try {
      assertThatThrownBy(() -> world.service.restore(ID, safetyId, world.progress::add))
          .isInstanceOf(OperationFailedException.class)
          .hasMessageContaining(kind)
          .hasMessageContaining(expected);
      assertThat(world.stamps()).as("nothing written").isEqualTo(before);
      assertThat(world.liveFingerprint()).isEqualTo(content);
      assertThat(world.sim.elections()).as("Marathon not restarted").isEqualTo(elections);
      assertThat(world.sim.leaderIndex()).isPresent();
      assertThat(world.admin.getChildren().forPath("/marathon/leader-curator"))
          .as("no operator latch node left").hasSize(1);
      assertThat(world.service.archive(safetyId)).isEmpty();
      try (Stream<Path> files = Files.list(world.backupDirectory())) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
      }
    } finally {
      Files.write(file, pristine);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found: " + new String(needle, StandardCharsets.UTF_8));
  }

  private static int nodesStart(byte[] archive) {
    return indexOf(archive, "MBOZKN01".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void anArchiveFormatThisOperatorDoesNotReadIsRefusedAsUnsupportedNotCorrupt() throws Exception {
    assertRefusedUntouched(b -> {
      byte[] field = "\"formatVersion\" : 1".getBytes(StandardCharsets.US_ASCII);
      b[indexOf(b, field) + field.length - 1] = '7';
      return b;
    }, "restore failed: archive format unsupported: ", "backup " + ID + " is in archive format 7, this operator "
        + "reads only format 1");
  }

  @Test
  void truncatedArchiveIsRefused() throws Exception {
    for (int keep : new int[] {pristine.length / 2, pristine.length - 1024 * 11, 1024}) {
      assertRefusedUntouched(b -> java.util.Arrays.copyOf(b, keep), "");
    }
  }

  @Test
  void bitFlipInNodesIsRefused() throws Exception {
    assertRefusedUntouched(b -> {
      int at = nodesStart(b) + (b.length - nodesStart(b)) / 2;
      b[at] ^= 0x04;
      return b;
    }, "");
  }

  @Test
  void bitFlipInTheManifestChecksumIsRefused() throws Exception {
    assertRefusedUntouched(b -> {
      int at = indexOf(b, "\"sha256\"".getBytes(StandardCharsets.US_ASCII)) + 20;
      b[at] ^= 0x01; // a hex digit becomes another character: still a string, no longer the digest
      return b;
    }, "");
  }

  @Test
  void editedZnodeCountInTheManifestIsRefused() throws Exception {
    assertRefusedUntouched(b -> {
      int at = indexOf(b, "\"znodes\" : ".getBytes(StandardCharsets.US_ASCII)) + "\"znodes\" : ".length();
      b[at] = (byte) (b[at] == '9' ? '8' : b[at] + 1);
      return b;
    }, "");
  }

  @Test
  void editedNodeDataWithARecomputedRecordCrcIsRefusedByTheSha256() throws Exception {
    assertRefusedUntouched(b -> {
      // First record = the root: int length, body (int pathLen = 0, int dataLen, data...), int crc32(body).
      int rec = nodesStart(b) + 8;
      ByteBuffer buf = ByteBuffer.wrap(b);
      int length = buf.getInt(rec);
      int body = rec + 4;
      assertThat(buf.getInt(body)).isZero();
      assertThat(buf.getInt(body + 4)).isPositive();
      b[body + 8] ^= 0x20; // "root-2" -> "Root-2"
      CRC32 crc = new CRC32();
      crc.update(b, body, length);
      buf.putInt(body + length, (int) crc.getValue());
      return b;
    }, "SHA-256");
  }

  @Test
  void theUndamagedArchiveStillRestores() throws Exception {
    world.service.restore(ID, "safety-integrity-ok", world.progress::add);
    world.put(world.tree(1, 500, 2));
  }
}
