package io.dcos.backup.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/** Connections, ACLs and logging for the ZooKeeper tests; trees are built with {@link io.dcos.backup.testing.ZkTrees}. */
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

  /**
   * The tree as the engine's {@link StateSnapshotter} reads it (trees are written and deleted with
   * {@link io.dcos.backup.testing.ZkTrees}).
   */
  static List<ZNode> snapshot(CuratorFramework c, String root) throws Exception {
    List<ZNode> out = new ArrayList<>();
    new StateSnapshotter(c).snapshot(root, out::add);
    return out;
  }
}
