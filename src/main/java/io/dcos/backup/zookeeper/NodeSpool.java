package io.dcos.backup.zookeeper;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * A scratch file of nodes, written once in stream order and then read back, each time as a stream of its own: the
 * online copy of a pre-copy, too big to
 * keep in memory. Not an archive (no manifest, no digest): it never outlives the backup that made it. Owner-only
 * (0600), like the archives, since it holds Marathon's state.
 */
final class NodeSpool implements ZNodeSink, AutoCloseable {
  private final Path file;
  private final DataOutputStream out;
  private long count;

  /** @param file a new file; a name ending in {@code .tmp} lets the archive store remove it after a crash */
  NodeSpool(Path file) throws IOException {
    this.file = Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(this.file), 64 * 1024));
  }

  @Override
  public void accept(ZNode node) throws IOException {
    out.writeUTF(node.relativePath());
    if (node.data() == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(node.data().length);
      out.write(node.data());
    }
    out.writeInt(node.acl().size());
    for (ACL acl : node.acl()) {
      out.writeInt(acl.getPerms());
      out.writeUTF(acl.getId().getScheme());
      byte[] id = acl.getId().getId().getBytes(StandardCharsets.UTF_8);
      out.writeInt(id.length);
      out.write(id);
    }
    count++;
  }

  long count() {
    return count;
  }

  /** Ends writing and reads the nodes back in the order they were written. */
  Iterator<ZNode> readBack() throws IOException {
    out.close();
    DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024));
    long total = count;
    return new Iterator<>() {
      private long read;

      @Override
      public boolean hasNext() {
        if (read < total) {
          return true;
        }
        try {
          in.close();
        } catch (IOException ignored) {
          // fully read
        }
        return false;
      }

      @Override
      public ZNode next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        try {
          String path = in.readUTF();
          int len = in.readInt();
          byte[] data = len < 0 ? null : in.readNBytes(len);
          int acls = in.readInt();
          List<ACL> acl = new ArrayList<>(acls);
          for (int i = 0; i < acls; i++) {
            int perms = in.readInt();
            String scheme = in.readUTF();
            String id = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            acl.add(new ACL(perms, new Id(scheme, id)));
          }
          read++;
          return new ZNode(path, data, acl);
        } catch (EOFException e) {
          throw new UncheckedIOException(new IOException("spool " + file + " ends early", e));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  @Override
  public void close() throws IOException {
    try {
      out.close();
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
