package io.dcos.backup.zookeeper;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * An EPHEMERAL_SEQUENTIAL node named the way Curator's protected mode names it, {@code _c_<uuid>-<name><sequence>},
 * made with the plain {@code create} op code so that ZooKeeper 3.4 servers accept it.
 *
 * <p>The name is what Curator's (4.0.1 and 5) {@code LeaderLatch} and {@code InterProcessMutex} sort by: the part
 * after the last {@code <name>}, ZooKeeper's zero-padded sequence number. The {@code _c_<uuid>-} prefix is what
 * makes a create retried after a lost connection safe: the first attempt may have created the node without the
 * client hearing the reply, so before trying again the parent's children are searched for the prefix.
 */
public final class ProtectedEphemeralNode {
  private ProtectedEphemeralNode() {}

  /**
   * Creates the node under {@code parent} (made, with missing ancestors, if absent), retrying with the client's
   * retry policy while the connection is lost.
   *
   * @return the node's full path
   */
  public static String create(CuratorFramework client, String parent, String name, byte[] data, List<ACL> acl)
      throws Exception {
    String prefix = "_c_" + UUID.randomUUID() + "-";
    AtomicBoolean attempted = new AtomicBoolean();
    return RetryLoop.callWithRetry(client.getZookeeperClient(), () -> {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      if (attempted.getAndSet(true)) {
        Optional<String> earlier = findByPrefix(zk, parent, prefix);
        if (earlier.isPresent()) {
          return earlier.get();
        }
      }
      String path = parent + "/" + prefix + name;
      return PortableWrites.createWithParents(zk, path, data, acl, CreateMode.EPHEMERAL_SEQUENTIAL);
    });
  }

  private static Optional<String> findByPrefix(ZooKeeper zk, String parent, String prefix) throws Exception {
    try {
      return zk.getChildren(parent, false).stream().filter(c -> c.startsWith(prefix)).findFirst()
          .map(c -> parent + "/" + c);
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** The sequence number of a node named {@code …<name><sequence>}, or -1 if the name has none. */
  public static long sequenceOf(String nodeName, String name) {
    int i = nodeName.lastIndexOf(name);
    if (i < 0) {
      return -1;
    }
    try {
      return Long.parseLong(nodeName.substring(i + name.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
