package io.dcos.backup.store;

import io.dcos.backup.zookeeper.ZNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * nodes.bin: {@code MAGIC}, then per znode {@code int length, body, int crc32(body)}, then {@code int -1, long count}.
 * Body: {@code int pathLen, path (UTF-8), int dataLen (-1 = null), data, int aclCount, (int perms, int schemeLen,
 * scheme, int idLen, id)*}. All integers big-endian. Every record carries its own CRC so a bit flip is located and a
 * truncation is noticed at the record where it happens; the end marker and count catch a cut at a record boundary.
 */
final class NodeCodec {
  static final byte[] MAGIC = "MBOZKN01".getBytes(StandardCharsets.US_ASCII);
  /** A znode is at most ~1 MB; anything far beyond that is a corrupted length field. */
  static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

  private NodeCodec() {}

  static final class Encoder {
    private final DataOutputStream out;
    private final CRC32 crc = new CRC32();
    private byte[] buf = new byte[8192];
    long count;
    long dataBytes;

    Encoder(OutputStream out) throws IOException {
      this.out = new DataOutputStream(out);
      this.out.write(MAGIC);
    }

    void write(ZNode n) throws IOException {
      byte[] path = n.relativePath().getBytes(StandardCharsets.UTF_8);
      int size = 4 + path.length + 4 + (n.data() == null ? 0 : n.data().length) + 4;
      List<byte[]> parts = new ArrayList<>(n.acl().size() * 2);
      for (ACL a : n.acl()) {
        byte[] scheme = a.getId().getScheme().getBytes(StandardCharsets.UTF_8);
        byte[] id = a.getId().getId().getBytes(StandardCharsets.UTF_8);
        parts.add(scheme);
        parts.add(id);
        size += 12 + scheme.length + id.length;
      }
      if (buf.length < size) {
        buf = new byte[Math.max(size, buf.length * 2)];
      }
      ByteBuffer b = ByteBuffer.wrap(buf, 0, size);
      b.putInt(path.length).put(path);
      if (n.data() == null) {
        b.putInt(-1);
      } else {
        b.putInt(n.data().length).put(n.data());
      }
      b.putInt(n.acl().size());
      for (int i = 0; i < n.acl().size(); i++) {
        b.putInt(n.acl().get(i).getPerms());
        b.putInt(parts.get(2 * i).length).put(parts.get(2 * i));
        b.putInt(parts.get(2 * i + 1).length).put(parts.get(2 * i + 1));
      }
      crc.reset();
      crc.update(buf, 0, size);
      out.writeInt(size);
      out.write(buf, 0, size);
      out.writeInt((int) crc.getValue());
      count++;
      dataBytes += n.data() == null ? 0 : n.data().length;
    }

    void finish() throws IOException {
      out.writeInt(-1);
      out.writeLong(count);
      out.flush();
    }
  }

  /** Decodes records; {@link #next()} returns null after a valid end marker. Errors name the record and offset. */
  static final class Decoder {
    private final DataInputStream in;
    private final String what;
    private final CRC32 crc = new CRC32();
    private long offset;
    long count;
    long dataBytes;
    private boolean ended;

    Decoder(InputStream in, String what) throws IOException {
      this.in = new DataInputStream(in);
      this.what = what;
      byte[] magic = new byte[MAGIC.length];
      try {
        this.in.readFully(magic);
      } catch (EOFException e) {
        throw new ArchiveCorruptException(what + ": nodes.bin is truncated before its header");
      }
      if (!Arrays.equals(magic, MAGIC)) {
        throw new ArchiveCorruptException(what + ": nodes.bin does not start with the expected header");
      }
      offset = MAGIC.length;
    }

    ZNode next() throws IOException {
      if (ended) {
        return null;
      }
      long recordOffset = offset;
      try {
        int size = in.readInt();
        offset += 4;
        if (size == -1) {
          long declared = in.readLong();
          offset += 8;
          if (declared != count) {
            throw new ArchiveCorruptException(what + ": end marker counts " + declared + " records, found " + count);
          }
          if (in.read() != -1) {
            throw new ArchiveCorruptException(what + ": unexpected bytes after the end marker at offset " + offset);
          }
          ended = true;
          return null;
        }
        if (size < 12 || size > MAX_RECORD_BYTES) {
          throw new ArchiveCorruptException(what + ": record " + count + " at offset " + recordOffset
              + " has an implausible length " + size);
        }
        byte[] body = new byte[size];
        in.readFully(body);
        int stored = in.readInt();
        offset += size + 4L;
        crc.reset();
        crc.update(body, 0, size);
        if ((int) crc.getValue() != stored) {
          throw new ArchiveCorruptException(what + ": record " + count + " at offset " + recordOffset
              + " fails its CRC32 check");
        }
        ZNode n = parse(ByteBuffer.wrap(body), recordOffset);
        count++;
        dataBytes += n.data() == null ? 0 : n.data().length;
        return n;
      } catch (EOFException e) {
        throw new ArchiveCorruptException(what + ": nodes.bin is truncated in record " + count + " at offset "
            + recordOffset);
      }
    }

    private ZNode parse(ByteBuffer b, long recordOffset) throws ArchiveCorruptException {
      try {
        String path = new String(bytes(b, b.getInt()), StandardCharsets.UTF_8);
        int dataLen = b.getInt();
        byte[] data = dataLen == -1 ? null : bytes(b, dataLen);
        int aclCount = b.getInt();
        if (aclCount < 0 || aclCount > b.remaining() / 12) {
          throw new IllegalArgumentException("bad ACL count " + aclCount);
        }
        List<ACL> acl = new ArrayList<>(aclCount);
        for (int i = 0; i < aclCount; i++) {
          int perms = b.getInt();
          String scheme = new String(bytes(b, b.getInt()), StandardCharsets.UTF_8);
          String id = new String(bytes(b, b.getInt()), StandardCharsets.UTF_8);
          acl.add(new ACL(perms, new Id(scheme, id)));
        }
        if (b.hasRemaining()) {
          throw new IllegalArgumentException(b.remaining() + " trailing bytes");
        }
        return new ZNode(path, data, acl);
      } catch (RuntimeException e) {
        // The CRC matched, so this is a writer bug or a deliberate forgery rather than a bit flip.
        throw new ArchiveCorruptException(what + ": record " + count + " at offset " + recordOffset
            + " is malformed: " + e.getMessage(), e);
      }
    }

    private static byte[] bytes(ByteBuffer b, int len) {
      if (len < 0 || len > b.remaining()) {
        throw new IllegalArgumentException("field length " + len + " exceeds the record");
      }
      byte[] out = new byte[len];
      b.get(out);
      return out;
    }
  }
}
