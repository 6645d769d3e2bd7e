package io.dcos.backup.zookeeper;

import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * A point in ZooKeeper's history, marked by a write of our own, against which every node read afterwards is
 * checked: the proof that a node-by-node walk read the tree exactly as it was at that point, on every server
 * generation (3.4 included), with no watches.
 *
 * <p>Why it holds. The mark is a {@code setData} whose transaction gets zxid Z. The server applies our own write
 * before it serves our later reads, and a client never reconnects to a server that is behind what it has seen, so
 * every later read reflects at least Z. A read reply's Stat comes with the reply's content in one request: if its
 * {@code mzxid <= Z}, the data read is the data at Z; if its {@code pzxid <= Z}, the children read (or the child
 * count the Stat gives) are those at Z. A node created after Z is not in any children list read this way, and a node
 * deleted after Z is either never listed (its parent's pzxid shows the change) or answers NONODE when read, which
 * counts as a change. A node deleted and re-created after Z has {@code mzxid > Z}. So if every Stat of the walk passes,
 * the walk is the tree at Z, whatever changed after each node was read. ACL changes touch neither zxid and are not
 * seen (Marathon never changes ACLs).
 */
final class ZxidMark {
  /** Where the mark is written: beside the walked root, never inside it. */
  static final String NODE_NAME = "backup-operator-clock";

  private final long zxid;

  private ZxidMark(long zxid) {
    this.zxid = zxid;
  }

  /** Writes the mark beside {@code rootPath} (creating the node if needed) and returns it. */
  static ZxidMark write(ZooKeeper zk, String rootPath) throws KeeperException, InterruptedException {
    String path = pathFor(rootPath);
    Stat stat;
    try {
      stat = zk.setData(path, new byte[0], -1);
    } catch (KeeperException.NoNodeException e) {
      try {
        PortableWrites.create(zk, path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException raced) {
        // another operator made it first
      }
      stat = zk.setData(path, new byte[0], -1);
    }
    return new ZxidMark(stat.getMzxid());
  }

  static String pathFor(String rootPath) {
    int slash = rootPath.lastIndexOf('/');
    return slash <= 0 ? "/" + NODE_NAME : rootPath.substring(0, slash) + "/" + NODE_NAME;
  }

  long zxid() {
    return zxid;
  }

  /** What changed at {@code path} after the mark, judged by a Stat read with the node's content; empty if nothing. */
  Optional<String> changeAt(String path, Stat stat) {
    if (stat.getMzxid() > zxid) {
      return Optional.of(path + " was written at zxid 0x" + Long.toHexString(stat.getMzxid())
          + ", after the walk began (0x" + Long.toHexString(zxid) + ")");
    }
    if (stat.getPzxid() > zxid) {
      return Optional.of("children of " + path + " changed at zxid 0x" + Long.toHexString(stat.getPzxid())
          + ", after the walk began (0x" + Long.toHexString(zxid) + ")");
    }
    return Optional.empty();
  }
}
