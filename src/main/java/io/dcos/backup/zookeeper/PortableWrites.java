package io.dcos.backup.zookeeper;

import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * Writes that every ZooKeeper server generation understands, 3.4 included.
 *
 * <p>Curator 5 makes every create with op code {@code create2} and its parents with {@code createContainer}, both new
 * in 3.5. A 3.4 server answers them UNIMPLEMENTED and then drops the connection, which would suspend the operator's
 * session and its fence. The four-argument {@link ZooKeeper#create(String, byte[], List, CreateMode)} sends the plain
 * {@code create} op code that all servers know, so every create of the operator (and of the simulator) goes through
 * here or through {@code Op.create} inside a {@code multi()}, which is plain {@code create} as well.
 */
public final class PortableWrites {
  private PortableWrites() {}

  /** Creates {@code path} with the plain {@code create} op code; returns the created path (sequential: with suffix). */
  public static String create(ZooKeeper zk, String path, byte[] data, List<ACL> acl, CreateMode mode)
      throws KeeperException, InterruptedException {
    return zk.create(path, data, acl, mode);
  }

  /** Creates the missing ancestors of {@code path} (not {@code path} itself) as empty persistent nodes. */
  public static void createParents(ZooKeeper zk, String path, List<ACL> acl)
      throws KeeperException, InterruptedException {
    int slash = path.lastIndexOf('/');
    if (slash <= 0) {
      return;
    }
    String parent = path.substring(0, slash);
    if (zk.exists(parent, false) != null) {
      return;
    }
    createParents(zk, parent, acl);
    try {
      zk.create(parent, new byte[0], acl, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException raced) {
      // another client made it first: that is all we wanted
    }
  }

  /** Creates {@code path} (and its missing parents) in {@code mode}, or fails with NodeExists. */
  public static String createWithParents(ZooKeeper zk, String path, byte[] data, List<ACL> acl, CreateMode mode)
      throws KeeperException, InterruptedException {
    try {
      return zk.create(path, data, acl, mode);
    } catch (KeeperException.NoNodeException noParent) {
      createParents(zk, path, acl);
      return zk.create(path, data, acl, mode);
    }
  }

  /** Sets the data of {@code path}, creating it (and its parents) as a persistent node if it does not exist. */
  public static void createOrSetData(ZooKeeper zk, String path, byte[] data, List<ACL> acl)
      throws KeeperException, InterruptedException {
    try {
      zk.setData(path, data, -1);
    } catch (KeeperException.NoNodeException e) {
      try {
        createWithParents(zk, path, data, acl, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException raced) {
        zk.setData(path, data, -1);
      }
    }
  }
}
