package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The retry budget of the pipelines: counted per connection a request was lost on, spent only after a reconnection. */
class ConnectionEpochsTest {

  @BeforeAll
  static void quiet() {
    ZkTestSupport.quietZooKeeperLogs();
  }

  @Test
  void oneDropCostsOneRetryHoweverOftenTheRequestFailedDuringIt() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server, 20_000);
         ConnectionEpochs epochs = ConnectionEpochs.watch(client)) {
      ConnectionEpochs.Request request = new ConnectionEpochs.Request();
      epochs.sent(request);
      server.stop();
      CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
        sleep(1_000);
        try {
          server.restart();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // The first failure waits for the client to connect again: a retry sent before would fail as well.
      long start = System.nanoTime();
      assertThat(epochs.retry(request, "/a")).isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(900);
      restart.get(20, TimeUnit.SECONDS);
      assertThat(client.getZookeeperClient().isConnected()).isTrue();
      // Its other calls, lost in that same drop (or again while the client tried servers), cost nothing more.
      for (int i = 0; i < 10; i++) {
        assertThat(epochs.retry(request, "/a")).isTrue();
      }
    }
  }

  @Test
  void aRequestLostOnEveryConnectionRunsOutOfRetries() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server, 20_000);
         ConnectionEpochs epochs = ConnectionEpochs.watch(client)) {
      ConnectionEpochs.Request request = new ConnectionEpochs.Request();
      for (int drop = 1; drop <= ConnectionEpochs.MAX_RETRIES; drop++) {
        epochs.sent(request);
        server.restart();
        assertThat(epochs.retry(request, "/a")).as("retry after drop %d", drop).isTrue();
      }
      epochs.sent(request);
      server.restart();
      assertThat(epochs.retry(request, "/a")).as("lost on %d connections", ConnectionEpochs.MAX_RETRIES + 1)
          .isFalse();
    }
  }

  @Test
  void noNewConnectionWithinTheConnectionTimeoutIsAConnectionLoss() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server, 1_500);
         ConnectionEpochs epochs = ConnectionEpochs.watch(client)) {
      ConnectionEpochs.Request request = new ConnectionEpochs.Request();
      epochs.sent(request);
      server.stop();
      long start = System.nanoTime();
      assertThatThrownBy(() -> epochs.retry(request, "/a"))
          .isInstanceOf(KeeperException.ConnectionLossException.class).hasMessageContaining("/a");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(1_400);
    }
  }

  @Test
  void theFirstConnectionReportedAfterTheWatchBeganIsNotANewOne() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server, 1_500);
         ConnectionEpochs epochs = ConnectionEpochs.watch(client)) {
      ConnectionEpochs.Request request = new ConnectionEpochs.Request();
      epochs.sent(request);
      // Curator hands CONNECTED to listeners on its own thread: this is that event arriving after the request left.
      epochs.stateChanged(client, ConnectionState.CONNECTED);
      server.stop();
      assertThatThrownBy(() -> epochs.retry(request, "/a"))
          .isInstanceOf(KeeperException.ConnectionLossException.class);
    }
  }

  private static CuratorFramework connect(TestingServer server, int connectionTimeoutMs) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .sessionTimeoutMs(60_000).connectionTimeoutMs(connectionTimeoutMs).retryPolicy(new RetryOneTime(100))
        .build();
    client.start();
    assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
    return client;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
