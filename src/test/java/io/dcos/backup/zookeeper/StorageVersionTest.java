package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sentinel's encoding and Marathon's ordering rule (format first, then major, minor, patch). */
class StorageVersionTest {
  private static final StorageVersion V1_6 = new StorageVersion(1, 6, 0, StorageVersion.PERSISTENCE_STORE);
  private static final StorageVersion V1_10 = new StorageVersion(110, 100, 0, StorageVersion.PERSISTENCE_STORE);

  /** What Marathon's ZkPersistenceStore.setStorageVersion writes, encoded by protobuf-java itself. */
  private static byte[] marathonWrites(int major, int minor, int patch, Integer format) throws Exception {
    ByteArrayOutputStream version = new ByteArrayOutputStream();
    CodedOutputStream v = CodedOutputStream.newInstance(version);
    v.writeUInt32(1, major);
    v.writeUInt32(2, minor);
    v.writeUInt32(3, patch);
    if (format != null) {
      v.writeEnum(4, format);
    }
    v.flush();
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    CodedOutputStream e = CodedOutputStream.newInstance(entry);
    e.writeString(1, StorageVersion.NODE);
    e.writeBytes(2, ByteString.copyFromUtf8("6d1c0a6e-2f39-4a8e-9c55-0c1f1b7f3a10"));
    e.writeBytes(3, ByteString.copyFrom(version.toByteArray()));
    e.writeBool(4, false);
    e.flush();
    return entry.toByteArray();
  }

  @Test
  void readsWhatMarathonWrites() throws Exception {
    assertThat(StorageVersion.fromNodeData(marathonWrites(110, 100, 0, 1))).contains(V1_10);
    assertThat(StorageVersion.fromNodeData(marathonWrites(1, 6, 0, 1))).contains(V1_6);
    // format is optional with default LEGACY: a version written without it is LEGACY
    assertThat(StorageVersion.fromNodeData(marathonWrites(1, 3, 0, null)))
        .contains(new StorageVersion(1, 3, 0, StorageVersion.LEGACY));
  }

  @Test
  void writesWhatProtobufReads() throws Exception {
    byte[] data = StorageVersion.SENTINEL.toNodeData();
    CodedInputStream entry = CodedInputStream.newInstance(data);
    String name = null;
    byte[] value = null;
    boolean compressed = true;
    for (int tag = entry.readTag(); tag != 0; tag = entry.readTag()) {
      switch (tag >>> 3) {
        case 1 -> name = entry.readString();
        case 2 -> entry.readBytes();
        case 3 -> value = entry.readByteArray();
        case 4 -> compressed = entry.readBool();
        default -> entry.skipField(tag);
      }
    }
    assertThat(name).isEqualTo("internal:storage:version");
    assertThat(compressed).isFalse();
    CodedInputStream version = CodedInputStream.newInstance(value);
    int[] fields = new int[5];
    for (int tag = version.readTag(); tag != 0; tag = version.readTag()) {
      fields[tag >>> 3] = version.readUInt32();
    }
    assertThat(fields).containsExactly(0, 999_999, 0, 0, 1);
    // the sentinel's bytes never change: recognisable in a dump, comparable byte for byte
    assertThat(StorageVersion.SENTINEL.toNodeData()).isEqualTo(data);
    assertThat(StorageVersion.fromNodeData(data)).contains(StorageVersion.SENTINEL);
  }

  @Test
  void roundTripsAnyVersion() {
    for (StorageVersion v : List.of(V1_6, V1_10, new StorageVersion(0, 0, 0, 0),
        new StorageVersion(Integer.MAX_VALUE, 300, 16384, 1))) {
      assertThat(StorageVersion.fromNodeData(v.toNodeData())).contains(v);
    }
  }

  @Test
  void ordersFormatFirstThenMajorMinorPatch() {
    StorageVersion legacyHuge = new StorageVersion(999, 999, 999, StorageVersion.LEGACY);
    List<StorageVersion> sorted = List.of(
        new StorageVersion(1, 4, 0, StorageVersion.LEGACY),
        legacyHuge,
        new StorageVersion(1, 4, 0, StorageVersion.PERSISTENCE_STORE),
        new StorageVersion(1, 4, 6, StorageVersion.PERSISTENCE_STORE),
        V1_6,
        new StorageVersion(17, 0, 0, StorageVersion.PERSISTENCE_STORE),
        new StorageVersion(18, 100, 0, StorageVersion.PERSISTENCE_STORE),
        new StorageVersion(19, 300, 0, StorageVersion.PERSISTENCE_STORE),
        V1_10,
        StorageVersion.SENTINEL);
    List<StorageVersion> shuffled = new ArrayList<>(sorted);
    Collections.shuffle(shuffled, new java.util.Random(7));
    Collections.sort(shuffled);
    assertThat(shuffled).containsExactlyElementsOf(sorted);
    // a LEGACY version is older than any PERSISTENCE_STORE one, whatever its numbers: Marathon refuses it
    assertThat(legacyHuge.isOlderThan(StorageVersion.MIN_SUPPORTED)).isTrue();
  }

  @Test
  void everyMarathonReleaseRefusesTheSentinel() {
    // targets of Marathon 1.5 (1.5.2), 1.6 (1.6.0), 1.7 (17), 1.8 (18.200), 1.9 (19.300), 1.10 (110.100)
    for (StorageVersion target : List.of(new StorageVersion(1, 5, 2, 1), V1_6, new StorageVersion(17, 0, 0, 1),
        new StorageVersion(18, 200, 0, 1), new StorageVersion(19, 300, 0, 1), V1_10)) {
      assertThat(StorageVersion.SENTINEL.isNewerThan(target)).as("sentinel vs target %s", target).isTrue();
    }
    assertThat(StorageVersion.SENTINEL.isSentinel()).isTrue();
    assertThat(V1_10.isSentinel()).isFalse();
  }

  @Test
  void garbageIsNoVersion() {
    assertThat(StorageVersion.fromNodeData(null)).isEmpty();
    assertThat(StorageVersion.fromNodeData(new byte[0])).isEmpty();
    assertThat(StorageVersion.fromNodeData("{\"major\":1}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    byte[] truncated = V1_10.toNodeData();
    assertThat(StorageVersion.fromNodeData(java.util.Arrays.copyOf(truncated, truncated.length - 5))).isEmpty();
  }
}
