package io.dcos.backup.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.DefaultACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/** The bench's ZooKeeper client: audits every write request's size, and reads the tree's digest-protected nodes. */
final class BenchClient {
  private BenchClient() {}

  static CuratorFramework connect(String connectString) throws Exception {
    ZKClientConfig config = new ZKClientConfig();
    // Like ZkConnector: a reply (a wide node's children list) may exceed 1 MB; requests stay bounded by the server.
    config.setProperty(ZKClientConfig.JUTE_MAXBUFFER, Integer.toString(64 * 1024 * 1024));
    ZookeeperFactory factory = new ZookeeperFactory() {
      @Override
      public ZooKeeper newZooKeeper(String cs, int timeout, Watcher watcher, boolean readOnly) throws Exception {
        return new AuditedZooKeeper(cs, timeout, watcher, readOnly, config);
      }

      @Override
      public ZooKeeper newZooKeeper(String cs, int timeout, Watcher watcher, boolean readOnly, ZKClientConfig c)
          throws Exception {
        return new AuditedZooKeeper(cs, timeout, watcher, readOnly, config);
      }
    };
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(60_000)
        .connectionTimeoutMs(15_000)
        .retryPolicy(new ExponentialBackoffRetry(250, 5))
        .zkClientConfig(config)
        .zookeeperFactory(factory)
        .ensembleTracker(false)
        .authorization("digest", MarathonTree.DIGEST_USER.getBytes(UTF_8))
        // Open ACLs on what the bench creates, whatever identity the digest above authenticates as.
        .aclProvider(new DefaultACLProvider())
        .build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("cannot connect to ZooKeeper at " + connectString);
    }
    return client;
  }
}
