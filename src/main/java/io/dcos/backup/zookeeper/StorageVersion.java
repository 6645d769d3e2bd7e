package io.dcos.backup.zookeeper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Marathon's storage version, as its leader reads it from {@code <zk>/state/internal:storage:version} at the start of
 * leadership (mesosphere/marathon {@code storage/migration/Migration.scala}, {@code ZkPersistenceStore}).
 *
 * <p>The node holds a protobuf {@code ZKStoreEntry {name=1, uuid=2, value=3, compressed=4}} whose {@code value} is a
 * protobuf {@code StorageVersion {major=1, minor=2, patch=3, format=4}} (format LEGACY=0, PERSISTENCE_STORE=1).
 * The codec is written by hand: two messages of four scalar fields each, a few lines of varint code, where generated
 * classes would need Marathon's .proto and protoc in the build (protobuf-java reaches the class path only through
 * the sandbox's CEL dependency; the engine does not rely on it). The unit test checks the bytes against protobuf-java.
 *
 * <p>Order is Marathon's: format first, then major, minor, patch, each compared as Marathon's Scala {@code Int}
 * (a signed 32-bit int, although the fields are uint32).
 */
public record StorageVersion(int major, int minor, int patch, int format) implements Comparable<StorageVersion> {
  /** The node's name below {@code <zk>/state}. */
  public static final String NODE = "internal:storage:version";
  public static final int LEGACY = 0;
  public static final int PERSISTENCE_STORE = 1;
  /** Marathon 1.8 and later refuse older state ({@code minSupportedStorageVersion}); 1.5 to 1.7 accept 1.4.0. */
  public static final StorageVersion MIN_SUPPORTED = new StorageVersion(1, 6, 0, PERSISTENCE_STORE);
  /**
   * Newer than every Marathon release's target (1.10 targets 110.100.0), so every Marathon elected on it refuses the
   * state and exits before it loads or touches anything. Far below 2^31 so that no signed comparison wraps it.
   */
  public static final StorageVersion SENTINEL = new StorageVersion(999_999, 0, 0, PERSISTENCE_STORE);
  /** Fixed (Marathon writes a random UUID) so that the sentinel's bytes are always the same. */
  private static final byte[] SENTINEL_UUID = "00000000-0000-0000-0000-marathon-backup-operator"
      .getBytes(StandardCharsets.UTF_8);

  @Override
  public int compareTo(StorageVersion o) {
    int c = Integer.compare(format, o.format);
    if (c == 0) {
      c = Integer.compare(major, o.major);
    }
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  public boolean isNewerThan(StorageVersion o) {
    return compareTo(o) > 0;
  }

  public boolean isOlderThan(StorageVersion o) {
    return compareTo(o) < 0;
  }

  public boolean isSentinel() {
    return equals(SENTINEL);
  }

  /** Marathon's own rendering ({@code OrderedStorageVersion.str}), so that logs of both read alike. */
  @Override
  public String toString() {
    return "Version(" + major + ", " + minor + ", " + patch + ", "
        + (format == LEGACY ? "LEGACY" : format == PERSISTENCE_STORE ? "PERSISTENCE_STORE" : "format " + format) + ")";
  }

  /** The version as Marathon writes its node: a ZKStoreEntry wrapping the StorageVersion. */
  public byte[] toNodeData() {
    return toNodeData(isSentinel() ? SENTINEL_UUID
        : java.util.UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
  }

  byte[] toNodeData(byte[] uuid) {
    ByteArrayOutputStream version = new ByteArrayOutputStream();
    varintField(version, 1, major);
    varintField(version, 2, minor);
    varintField(version, 3, patch);
    varintField(version, 4, format);
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    bytesField(entry, 1, NODE.getBytes(StandardCharsets.UTF_8));
    bytesField(entry, 2, uuid);
    bytesField(entry, 3, version.toByteArray());
    varintField(entry, 4, 0); // compressed = false: Marathon never compresses this node and never decompresses it
    return entry.toByteArray();
  }

  /**
   * Parses the node's data as Marathon does ({@code ZKStoreEntry.parseFrom}, then {@code StorageVersion.parseFrom}
   * of its value). Empty when the bytes are not such a message (Marathon would fail its election on them).
   */
  public static Optional<StorageVersion> fromNodeData(byte[] data) {
    if (data == null) {
      return Optional.empty();
    }
    try {
      byte[][] value = {null};
      new Reader(data).fields((field, wire, reader) -> {
        if (field == 3 && wire == 2) {
          value[0] = reader.bytes();
        } else {
          reader.skip(wire);
        }
      });
      if (value[0] == null) {
        return Optional.empty();
      }
      long[] v = {-1, -1, -1, LEGACY}; // format is optional, default LEGACY; the others are required
      new Reader(value[0]).fields((field, wire, reader) -> {
        if (field >= 1 && field <= 4 && wire == 0) {
          v[field - 1] = reader.varint();
        } else {
          reader.skip(wire);
        }
      });
      if (v[0] < 0 || v[1] < 0 || v[2] < 0) {
        return Optional.empty();
      }
      return Optional.of(new StorageVersion((int) v[0], (int) v[1], (int) v[2], (int) v[3]));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static void varintField(ByteArrayOutputStream out, int field, long value) {
    varint(out, (long) field << 3);
    varint(out, value & 0xffffffffL); // uint32 and enum values: never negative on the wire
  }

  private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
    varint(out, ((long) field << 3) | 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  private interface FieldHandler {
    void field(int number, int wireType, Reader reader);
  }

  /** Just enough of the protobuf wire format: varints and length-delimited fields; fixed ones are skipped. */
  private static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    void fields(FieldHandler handler) {
      while (pos < buf.length) {
        long key = varint();
        int field = (int) (key >>> 3);
        int wire = (int) (key & 7);
        if (field == 0) {
          throw new IllegalArgumentException("field number 0");
        }
        handler.field(field, wire, this);
      }
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= buf.length) {
          throw new IllegalArgumentException("truncated varint");
        }
        byte b = buf[pos++];
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    byte[] bytes() {
      long n = varint();
      if (n < 0 || n > buf.length - pos) {
        throw new IllegalArgumentException("truncated length-delimited field");
      }
      byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + (int) n);
      pos += (int) n;
      return out;
    }

    void skip(int wire) {
      switch (wire) {
        case 0 -> varint();
        case 1 -> advance(8);
        case 2 -> bytes();
        case 5 -> advance(4);
        default -> throw new IllegalArgumentException("unsupported wire type " + wire);
      }
    }

    private void advance(int n) {
      if (n > buf.length - pos) {
        throw new IllegalArgumentException("truncated fixed field");
      }
      pos += n;
    }
  }
}
