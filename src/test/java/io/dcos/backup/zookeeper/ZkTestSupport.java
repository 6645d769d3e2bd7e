package io.dcos.backup.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/** Builds trees with plain ZooKeeper calls, independent of the code under test. */
final class ZkTestSupport {
  static final String USER = "dcos_marathon:secret";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ZkTestSupport() {}

  /**
   * Without a logback-test.xml, Logback logs at DEBUG and the in-process server logs every request: that made the
   * wide-node tests several times slower.
   */
  static void quietZooKeeperLogs() {
    for (String name : List.of("org.apache.zookeeper", "org.apache.curator")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name)).setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  static CuratorFramework connect(String connectString, String credentials) throws Exception {
    String url = "zk://" + (credentials == null ? "" : credentials + "@") + connectString + "/marathon";
    return ZkConnector.connect(ZkTarget.parse(url), TIMEOUT, TIMEOUT);
  }

  static ACL digestAll(String userPassword) {
    try {
      return new ACL(ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest(userPassword)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Creates nodes (parents listed first) in batches of multi(). */
  static void createAll(CuratorFramework c, List<ZNode> nodes, String root) throws Exception {
    List<Op> ops = new ArrayList<>();
    long bytes = 0;
    for (ZNode n : nodes) {
      long size = n.relativePath().length() + (n.data() == null ? 0 : n.data().length) + 200;
      if (!ops.isEmpty() && (ops.size() >= 1000 || bytes + size > 800_000)) {
        c.getZookeeperClient().getZooKeeper().multi(ops);
        ops.clear();
        bytes = 0;
      }
      ops.add(Op.create(n.absolutePath(root), n.data(), n.acl(), CreateMode.PERSISTENT));
      bytes += size;
    }
    if (!ops.isEmpty()) {
      c.getZookeeperClient().getZooKeeper().multi(ops);
    }
  }

  /** Deletes the given nodes (listed parents first) in multi() batches, children first; Curator deletes one by one. */
  static void deleteAll(CuratorFramework c, List<ZNode> nodes, String root) throws Exception {
    List<Op> ops = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      ops.add(Op.delete(nodes.get(i).absolutePath(root), -1));
      if (ops.size() == 500) {
        c.getZookeeperClient().getZooKeeper().multi(ops);
        ops.clear();
      }
    }
    if (!ops.isEmpty()) {
      c.getZookeeperClient().getZooKeeper().multi(ops);
    }
  }

  static List<ZNode> snapshot(CuratorFramework c, String root) throws Exception {
    List<ZNode> out = new ArrayList<>();
    new StateSnapshotter(c).snapshot(root, out::add);
    return out;
  }
}
