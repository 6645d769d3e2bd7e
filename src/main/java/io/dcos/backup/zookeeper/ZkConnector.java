package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.SessionConnectionStateErrorPolicy;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.client.ZKClientConfig;

public final class ZkConnector {
  /**
   * Client-side limit for one reply. A znode is limited to jute.maxbuffer by the server, but a read reply carries a
   * header and a Stat on top of the data, and a getChildren reply of a very wide node can exceed 1 MB although every
   * name is short. Raising the client's own limit (it is only a guard against garbage lengths) lets those replies
   * through; it does not let us write anything the server would refuse.
   */
  static final int CLIENT_MAX_REPLY_BYTES = 64 * 1024 * 1024;

  private ZkConnector() {}

  /**
   * Started Curator client, digest auth added when credentials are present, connected within connectTimeout.
   *
   * <p>Only a LOST session is an error state for the recipes on it (leader latch, lock): their nodes are ephemeral
   * and outlive a dropped connection as long as the session does, so a client that reconnects to another server of
   * the ensemble within the session timeout still holds them. SUSPENDED means "reconnecting", not "lost".
   */
  public static CuratorFramework connect(ZkTarget target, Duration sessionTimeout, Duration connectTimeout)
      throws IOException {
    ZKClientConfig config = new ZKClientConfig();
    int configured = config.getInt(ZKClientConfig.JUTE_MAXBUFFER, 0xfffff);
    config.setProperty(ZKClientConfig.JUTE_MAXBUFFER, Integer.toString(Math.max(configured, CLIENT_MAX_REPLY_BYTES)));
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
        .connectString(target.connectString())
        .sessionTimeoutMs((int) sessionTimeout.toMillis())
        .connectionTimeoutMs((int) connectTimeout.toMillis())
        .retryPolicy(new ExponentialBackoffRetry(250, 5, 5_000))
        .connectionStateErrorPolicy(new SessionConnectionStateErrorPolicy())
        // The ensemble tracker reads /zookeeper/config (3.5+) and rewrites the connect string from it: the operator
        // keeps the hosts of Marathon's --zk value, as Marathon does, on every server generation.
        .ensembleTracker(false)
        .zkClientConfig(config);
    target.digestCredentials().ifPresent(c -> builder.authorization("digest", c.getBytes(StandardCharsets.UTF_8)));
    CuratorFramework client = builder.build();
    client.start();
    boolean connected;
    try {
      connected = client.blockUntilConnected((int) Math.max(1, connectTimeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to ZooKeeper " + target, e);
    }
    if (!connected) {
      client.close();
      throw new IOException("could not connect to ZooKeeper " + target + " within " + connectTimeout);
    }
    return client;
  }
}
