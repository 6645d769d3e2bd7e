package io.dcos.backup.testing;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh in-process ZooKeeper server and a connected Curator client for each test, closed after it (after the
 * test's own {@code @AfterEach}, so what the test started on it is gone first). The server's port is chosen when the
 * extension is made, so tests can keep the server and client in final fields:
 *
 * <pre>{@code
 * @RegisterExtension final InProcessZooKeeper zooKeeper = new InProcessZooKeeper();
 * private final TestingServer server = zooKeeper.server();
 * private final CuratorFramework zk = zooKeeper.client();
 * }</pre>
 */
public final class InProcessZooKeeper implements BeforeEachCallback, AfterEachCallback {
  private final TestingServer server;
  private final CuratorFramework client;

  public InProcessZooKeeper() {
    try {
      // A chosen port, not 0: a server to bind port 0 has no connect string until it starts.
      server = new TestingServer(InstanceSpec.getRandomPort(), false);
    } catch (Exception e) {
      throw new IllegalStateException("cannot prepare a ZooKeeper server", e);
    }
    client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
  }

  /** The server: tests stop and restart it to cut every connection. */
  public TestingServer server() {
    return server;
  }

  public String connectString() {
    return server.getConnectString();
  }

  /** A client connected before the test starts. */
  public CuratorFramework client() {
    return client;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    server.start();
    client.start();
    client.blockUntilConnected();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      client.close();
    } finally {
      server.close();
    }
  }
}
