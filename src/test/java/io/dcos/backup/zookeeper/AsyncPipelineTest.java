package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pipeline core against a real in-process ZooKeeper: typed replies, the stall timeout, the connection-loss retry. */
class AsyncPipelineTest {

  @BeforeAll
  static void quiet() {
    ZkTestSupport.quietZooKeeperLogs();
  }

  @Test
  void everyReplyGoesToItsOwnHandlerTypedOnTheCallersThread() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server)) {
      client.create().forPath("/a", "data".getBytes(StandardCharsets.UTF_8));
      client.create().forPath("/a/b");
      Thread caller = Thread.currentThread();
      List<String> handled = new ArrayList<>();
      try (AsyncPipeline pipe = AsyncPipeline.retrying(client, "reading /a")) {
        pipe.getData("/a", null, r -> {
          assertThat(Thread.currentThread()).isSameAs(caller);
          handled.add("data " + r.code() + " " + new String(r.data(), StandardCharsets.UTF_8) + " "
              + r.stat().getNumChildren());
        });
        pipe.getChildren("/a", null, r -> handled.add("children " + r.children() + " " + (r.stat() != null)));
        pipe.listChildren("/a", r -> handled.add("listing " + r.children() + " " + (r.stat() != null)));
        pipe.getAcl("/a", r -> handled.add("acl " + r.acl().equals(ZooDefs.Ids.OPEN_ACL_UNSAFE)));
        pipe.multi(List.of(Op.check("/a", 0)), r -> handled.add("multi " + r.code() + " " + r.results().size()));
        pipe.getData("/missing", null, r -> handled.add("data " + r.code()));
        while (handled.size() < 6) {
          pipe.awaitBurst();
        }
      }
      assertThat(handled).containsExactly("data OK data 1", "children [b] true", "listing [b] false", "acl true",
          "multi OK 1", "data NONODE");
    }
  }

  @Test
  void aWaitWithNoAnswerFailsAfterTheStallTimeoutNamingWhatWasDone() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server);
         AsyncPipeline pipe = AsyncPipeline.retrying(client, "verifying /marathon/state",
             TimeUnit.MILLISECONDS.toNanos(300))) {
      long start = System.nanoTime();
      assertThatThrownBy(pipe::awaitOne).isInstanceOf(IOException.class)
          .hasMessageStartingWith("ZooKeeper did not answer within ")
          .hasMessageEndingWith(" s while verifying /marathon/state");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(250);
    }
  }

  @Test
  void aRequestLostWithTheConnectionIsSentAgainOnceTheClientIsBack() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server)) {
      client.create().forPath("/a", "v".getBytes(StandardCharsets.UTF_8));
      List<Code> codes = new ArrayList<>();
      try (AsyncPipeline pipe = AsyncPipeline.retrying(client, "reading /a")) {
        ConnectionEpochs.Request request = new ConnectionEpochs.Request();
        server.stop();
        CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
          try {
            Thread.sleep(1_000);
            server.restart();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        AsyncPipeline.Handler<AsyncPipeline.Reply.Data>[] handler = new AsyncPipeline.Handler[1];
        handler[0] = r -> {
          codes.add(r.code());
          if (r.code() == Code.CONNECTIONLOSS && pipe.retry(request, "/a")) {
            pipe.sent(request);
            pipe.getData("/a", null, handler[0]);
          }
        };
        pipe.sent(request);
        pipe.getData("/a", null, handler[0]);
        while (codes.isEmpty() || codes.get(codes.size() - 1) == Code.CONNECTIONLOSS) {
          pipe.awaitOne();
        }
        restart.get(20, TimeUnit.SECONDS);
      }
      assertThat(codes).first().isEqualTo(Code.CONNECTIONLOSS);
      assertThat(codes).last().isEqualTo(Code.OK);
    }
  }

  @Test
  void aPipelineOnAFixedHandleDoesNotResend() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework client = connect(server);
         AsyncPipeline pipe = AsyncPipeline.on(client.getZookeeperClient().getZooKeeper(), "writing")) {
      assertThatThrownBy(() -> pipe.retry(new ConnectionEpochs.Request(), "/a"))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  private static CuratorFramework connect(TestingServer server) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .sessionTimeoutMs(60_000).connectionTimeoutMs(20_000).retryPolicy(new RetryOneTime(100)).build();
    client.start();
    assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
    return client;
  }
}
