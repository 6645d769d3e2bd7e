package io.dcos.backup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.zookeeper.ZNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveStoreTest {
  private static final String ID = "nightly-0b8e5c43-5d2c-4a8e-9f77-3a1f2b6c9d10";
  private static final Instant CREATED = Instant.parse("2026-11-23T10:15:30.123Z");

  @TempDir Path tmp;

  private static List<ZNode> sampleNodes() {
    List<ACL> digest = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", "dcos_marathon:abc=")));
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", null, digest));
    nodes.add(new ZNode("/empty", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE));
    nodes.add(new ZNode("/ünï code/with space", "ü".getBytes(StandardCharsets.UTF_8), digest));
    byte[] big = new byte[300_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    nodes.add(new ZNode("/big", big, List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE),
        digest.get(0))));
    for (int i = 0; i < 200; i++) {
      nodes.add(new ZNode("/apps/" + i, ("app " + i).getBytes(StandardCharsets.UTF_8), digest));
    }
    return nodes;
  }

  private static ManifestInfo info(String id) {
    return new ManifestInfo(id, "nightly", CREATED, List.of("zk-1:2181", "zk-2:2181"), "/marathon/state", "1.10.6");
  }

  private Manifest write(ArchiveStore store, String id, List<ZNode> nodes) throws IOException {
    try (ArchiveWriter w = store.create(id)) {
      for (ZNode n : nodes) {
        w.accept(n);
      }
      return w.commit(info(id));
    }
  }

  private static List<ZNode> readAll(ArchiveStore store, String id) throws IOException {
    List<ZNode> out = new ArrayList<>();
    try (ArchiveReader r = store.open(id)) {
      r.nodes().forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void committedArchiveReadsBackIdenticallyWithPrivateModes() throws Exception {
    Path dir = tmp.resolve("backups");
    ArchiveStore store = new ArchiveStore(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    List<ZNode> nodes = sampleNodes();
    Manifest m = write(store, ID, nodes);

    assertThat(m.formatVersion()).isEqualTo(1);
    assertThat(m.znodes()).isEqualTo(nodes.size());
    assertThat(m.bytes()).isEqualTo(nodes.stream().mapToLong(n -> n.data() == null ? 0 : n.data().length).sum());
    assertThat(m.sha256()).matches("[0-9a-f]{64}");
    assertThat(m.created()).isEqualTo(CREATED);
    assertThat(m.sourceHosts()).containsExactly("zk-1:2181", "zk-2:2181");
    Path file = store.location(ID);
    assertThat(file).isEqualTo(dir.resolve(ID + ".tar"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // no temp files left behind
    }

    assertThat(readAll(store, ID)).containsExactlyElementsOf(nodes);
    assertThat(readAll(store, ID).get(0).data()).isNull();
    assertThat(store.manifest(ID)).contains(m);
    assertThat(store.verify(ID)).isEqualTo(m);
  }

  @Test
  void archiveIsAPlainTarWithManifestFirst() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(store.location(ID)))) {
      TarArchiveEntry first = tar.getNextEntry();
      assertThat(first.getName()).isEqualTo("manifest.json");
      String json = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(json).contains("\"id\" : \"" + ID + "\"").contains("\"created\" : \"2026-11-23T10:15:30.123Z\"");
      assertThat(tar.getNextEntry().getName()).isEqualTo("nodes.bin");
      assertThat(tar.getNextEntry()).isNull();
    }
  }

  @Test
  void listShowsCompleteArchivesOnlyAndDeleteRemoves() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, "b-2", sampleNodes());
    write(store, "a-1", sampleNodes().subList(0, 3));
    ArchiveWriter unfinished = store.create("c-3");
    unfinished.accept(sampleNodes().get(0));
    Files.writeString(tmp.resolve("notes.txt"), "not an archive");

    assertThat(store.list()).extracting(Manifest::id).containsExactly("a-1", "b-2");
    assertThat(store.delete("a-1")).isTrue();
    assertThat(store.delete("a-1")).isFalse();
    assertThat(store.list()).extracting(Manifest::id).containsExactly("b-2");
    assertThat(store.manifest("a-1")).isEmpty();
    assertThatThrownBy(() -> store.open("a-1")).isInstanceOf(NoSuchFileException.class);
    unfinished.close();
  }

  @Test
  void abortedWriterLeavesNoFile() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    try (ArchiveWriter w = store.create(ID)) {
      w.accept(sampleNodes().get(0));
    }
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).isEmpty();
    }
    assertThat(store.list()).isEmpty();
  }

  @Test
  void staleTempFilesOfACrashAreRemovedButLiveWritersKeepTheirs() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    Path crashed = tmp.resolve("." + ID + ".123.nodes.tmp");
    Files.writeString(crashed, "half written");
    try (ArchiveWriter live = store.create("live-1")) {
      live.accept(sampleNodes().get(0));
      store.removeStaleTempFiles();
      assertThat(crashed).doesNotExist();
      assertThat(live.commit(info("live-1")).znodes()).isEqualTo(1);
    }
    assertThat(store.verify("live-1").znodes()).isEqualTo(1);
  }

  @Test
  void existingIdIsNotOverwritten() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    assertThatThrownBy(() -> store.create(ID)).isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void secondWriterOfTheSameIdCannotReplaceTheFirstArchive() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    List<ZNode> nodes = sampleNodes();
    try (ArchiveWriter first = store.create(ID); ArchiveWriter second = store.create(ID)) {
      first.accept(nodes.get(0));
      second.accept(nodes.get(1));
      Manifest committed = first.commit(info(ID));
      assertThatThrownBy(() -> second.commit(info(ID))).isInstanceOf(FileAlreadyExistsException.class);
      assertThat(store.verify(ID)).isEqualTo(committed);
    }
    assertThat(readAll(store, ID)).containsExactly(nodes.get(0));
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(store.location(ID));
    }
  }

  @Test
  void truncatedArchiveIsCorruptOnOpenAndVerify() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    Path file = store.location(ID);
    long size = Files.size(file);
    for (long cut : new long[] {size - 1024 * 11, size / 2, 2048}) {
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.setLength(cut);
      }
      assertThatThrownBy(() -> store.open(ID)).as("cut at %d", cut).isInstanceOf(ArchiveCorruptException.class)
          .hasMessageStartingWith("archive corrupt: ");
      assertThatThrownBy(() -> store.verify(ID)).isInstanceOf(ArchiveCorruptException.class);
    }
  }

  @Test
  void bitFlipInNodesIsCorruptAndLocated() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    Path file = store.location(ID);
    byte[] bytes = Files.readAllBytes(file);
    // Flip one bit inside the big node's data: only the record CRC can tell.
    int at = indexOf(bytes, new byte[] {(byte) 100, (byte) 101, (byte) 102, (byte) 103});
    assertThat(at).isPositive();
    bytes[at + 1] ^= 0x10;
    Files.write(file, bytes);
    assertThatThrownBy(() -> store.open(ID)).isInstanceOf(ArchiveCorruptException.class)
        .hasMessageContaining("CRC32").hasMessageContaining("record 3");
    assertThatThrownBy(() -> store.verify(ID)).isInstanceOf(ArchiveCorruptException.class);
  }

  @Test
  void recomputedCrcStillFailsTheSha256() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, List.of(new ZNode("", "aaaa".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE)));
    write(store, "other-1", List.of(new ZNode("", "bbbb".getBytes(StandardCharsets.UTF_8),
        ZooDefs.Ids.OPEN_ACL_UNSAFE)));
    // Swap in another archive's (self-consistent) nodes.bin: framing and CRCs are fine, only the hash can tell.
    byte[] a = Files.readAllBytes(store.location(ID));
    byte[] b = Files.readAllBytes(store.location("other-1"));
    int nodesA = indexOf(a, "MBOZKN01".getBytes(StandardCharsets.US_ASCII));
    int nodesB = indexOf(b, "MBOZKN01".getBytes(StandardCharsets.US_ASCII));
    System.arraycopy(b, nodesB, a, nodesA, 60);
    Files.write(store.location(ID), a);
    assertThatThrownBy(() -> store.verify(ID)).isInstanceOf(ArchiveCorruptException.class)
        .hasMessageContaining("SHA-256");
  }

  @Test
  void manifestDamageIsCorrupt() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    byte[] bytes = Files.readAllBytes(store.location(ID));
    int at = indexOf(bytes, "\"znodes\"".getBytes(StandardCharsets.US_ASCII));
    bytes[at] = '{';
    Files.write(store.location(ID), bytes);
    assertThatThrownBy(() -> store.open(ID)).isInstanceOf(ArchiveCorruptException.class)
        .hasMessageContaining("manifest");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void anotherFormatVersionIsUnsupportedNotCorrupt() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    write(store, ID, sampleNodes());
    byte[] bytes = Files.readAllBytes(store.location(ID));
    byte[] field = "\"formatVersion\" : 1".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(bytes, field);
    bytes[at + field.length - 1] = '2'; // same length: the tar framing stays valid
    Files.write(store.location(ID), bytes);
    for (var read : List.<org.junit.jupiter.api.function.Executable>of(() -> store.open(ID).close(),
        () -> store.verify(ID), () -> store.manifest(ID))) {
      UnsupportedArchiveFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
          UnsupportedArchiveFormatException.class, read);
      assertThat(e).isNotInstanceOf(ArchiveCorruptException.class);
      assertThat(e.getMessage()).startsWith("archive format unsupported: backup " + ID + " is in archive format 2, "
          + "this operator reads only format 1");
      assertThat(e.backupId()).isEqualTo(ID);
      assertThat(e.found()).isEqualTo(2);
      assertThat(e.supported()).isEqualTo(Manifest.CURRENT_FORMAT);
    }
    assertThat(store.list()).as("skipped with a warning, as an unreadable archive").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../x", "a/b", "..", ".", ".hidden", "a\u0000b", "a b", "a\\b", "ü-1", "-starts-dash"})
  void unsafeIdsAreRejectedBeforeAnyPathIsBuilt(String id) throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    assertThat(ArchiveStore.validateId(id)).isPresent();
    assertThatThrownBy(() -> store.create(id)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.open(id)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.delete(id)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.location(id)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void idLengthAndNullAreChecked() {
    assertThat(ArchiveStore.validateId(null)).isPresent();
    assertThat(ArchiveStore.validateId("a".repeat(101))).isPresent();
    assertThat(ArchiveStore.validateId("a".repeat(100))).isEmpty();
    assertThat(ArchiveStore.validateId(ID)).isEmpty();
    assertThat(ArchiveStore.validateId("my_label.v2-1")).isEmpty();
  }

  @Test
  void commitWithAnotherIdIsRefused() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    try (ArchiveWriter w = store.create(ID)) {
      assertThatThrownBy(() -> w.commit(info("other-id"))).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(store.list()).isEmpty();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
