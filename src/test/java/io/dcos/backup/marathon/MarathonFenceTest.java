package io.dcos.backup.marathon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.InProcessZooKeeper;
import io.dcos.backup.testing.MarathonHttp;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.testing.ZkTrees;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MarathonFenceTest {

  private static final String LATCH = "/marathon/leader-curator";
  private static final Duration WRITE_INTERVAL = Duration.ofMillis(100);
  private static final SimulatorOptions FAST = SimulatorOptions.defaults()
      .withRestartDelay(Duration.ofMillis(300)).withWriteInterval(WRITE_INTERVAL).withExitDelay(Duration.ofMillis(300));
  private static final FenceOptions OPTIONS = TestFences.SIMULATOR;

  @RegisterExtension
  final InProcessZooKeeper zooKeeper = new InProcessZooKeeper();
  private final TestingServer server = zooKeeper.server();
  private final CuratorFramework zk = zooKeeper.client();
  private MarathonSimulator sim;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<String> progress = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (IllegalStateException alreadyClosed) {
        // a test closed it itself
      }
    }
    if (sim != null) {
      sim.close();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void whileTheFenceIsHeldNoMarathonLeadsOrWrites(int instances) throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", instances, FAST);
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
    assertThat(MarathonHttp.post(sim.anyUrl(), "/v2/apps", "{\"id\":\"/web\",\"cmd\":\"sleep 1\"}")).isEqualTo(201);

    // Control: without the fence the state does change within the window, so "unchanged" below means something.
    Map<String, String> before = stateStats();
    Thread.sleep(WRITE_INTERVAL.toMillis() * 3);
    assertThat(stateStats()).isNotEqualTo(before);

    int electionsBefore = sim.elections();
    long t0 = System.nanoTime();
    MarathonFence fence = MarathonFence.acquire(zk, LATCH, client, OPTIONS, progress::add);
    closeables.add(fence);
    long acquireMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(fence.isHeld()).isTrue();
    // The standbys are moved behind the operator: only the leader restarts, no standby is elected in between.
    assertThat(fence.abdications()).isEqualTo(1);
    assertThat(fence.standbysRequeued()).isEqualTo(instances - 1);
    assertThat(sim.elections()).isEqualTo(electionsBefore);
    assertThat(sim.leaderIndex()).isEmpty();
    assertThat(fence.latchNodePath()).startsWith(LATCH + "/");
    int electionsDuringFence = sim.elections();

    // Every abdicated instance restarts and queues behind the operator; none may be elected or write.
    await().atMost(Duration.ofSeconds(10)).until(() -> latchSize() == instances + 1);
    Map<String, String> fenced = stateStats();
    Thread.sleep(WRITE_INTERVAL.toMillis() * 5);
    assertThat(stateStats()).isEqualTo(fenced);
    assertThat(sim.leaderIndex()).isEmpty();
    assertThat(sim.elections()).isEqualTo(electionsDuringFence);
    for (URI url : sim.urls()) {
      // Standbys cannot proxy to the operator: Marathon's API is unavailable while fenced.
      assertThat(new MarathonClient(url, MarathonCredentials.none(), Duration.ofSeconds(5)).ping()).isFalse();
    }

    // The latch node is a usable fencing token while held.
    zk.transaction().forOperations(
        zk.transactionOp().check().withVersion(fence.latchNodeVersion()).forPath(fence.latchNodePath()),
        zk.transactionOp().create().forPath("/token-check-1"));

    long r0 = System.nanoTime();
    Duration leaderless = fence.release();
    long releaseMs = (System.nanoTime() - r0) / 1_000_000;
    assertThat(leaderless).isPositive();
    assertThat(fence.isHeld()).isFalse();
    assertThat(sim.leaderIndex()).isPresent();
    assertThat(client.info().elected()).isTrue();
    assertThat(MarathonHttp.get(sim.anyUrl(), "/v2/apps/web")).isEqualTo(200);
    assertThat(zk.checkExists().forPath(fence.latchNodePath())).isNull();
    assertThatThrownBy(() -> zk.transaction().forOperations(
        zk.transactionOp().check().withVersion(fence.latchNodeVersion()).forPath(fence.latchNodePath()),
        zk.transactionOp().create().forPath("/token-check-2")))
        .isInstanceOf(KeeperException.class);
    System.out.printf("fence with %d instance(s): acquire %d ms, %d abdication(s), release->elected %d ms, "
        + "leaderless %d ms (includes the test's %d ms fenced window)%n",
        instances, acquireMs, fence.abdications(), releaseMs, leaderless.toMillis(), WRITE_INTERVAL.toMillis() * 5);
    assertThat(progress).anyMatch(l -> l.contains("abdicated")).anyMatch(l -> l.startsWith("Fence held"));
  }

  @Test
  void unreachableMarathonFailsFastAndLeavesTheElection() throws Exception {
    int deadPort = freePort();
    // A participant that looks like a Marathon leader at an address where nothing listens.
    LeaderLatch ghost = ghostParticipant("127.0.0.1:" + deadPort);
    MarathonClient client = new MarathonClient(URI.create("http://127.0.0.1:" + deadPort),
        MarathonCredentials.basic("alice", "hunter2"), Duration.ofSeconds(2));
    // A leader that refuses connections is retried while its node is there, within the abdication timeout.
    FenceOptions shortAbdication = TestFences.withAbdication(OPTIONS, Duration.ofSeconds(3));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> MarathonFence.acquire(zk, LATCH, client, shortAbdication, progress::add))
        .isInstanceOfSatisfying(MarathonException.class, e -> {
          assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNREACHABLE);
          assertThat(e.getMessage()).contains("unreachable").contains("127.0.0.1:" + deadPort)
              .doesNotContain("hunter2");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(latchData()).containsExactly("127.0.0.1:" + deadPort);
    assertThat(ghost.hasLeadership()).isTrue();
  }

  /**
   * A Marathon that exits (one that refused a guarded state does) stops serving HTTP before its election node goes:
   * the fence waits for the node rather than failing on the first refused connection.
   */
  @Test
  void aLeaderThatRefusesConnectionsWhileItLeavesTheElectionIsWaitedFor() throws Exception {
    int deadPort = freePort();
    LeaderLatch exiting = ghostParticipant("127.0.0.1:" + deadPort);
    MarathonClient client = new MarathonClient(URI.create("http://127.0.0.1:" + deadPort), MarathonCredentials.none(),
        Duration.ofSeconds(2));
    Thread leaves = new Thread(() -> {
      try {
        Thread.sleep(1500);
        exiting.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    leaves.start();
    long t0 = System.nanoTime();
    try (MarathonFence fence = MarathonFence.acquire(zk, LATCH, client, OPTIONS, progress::add)) {
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
      assertThat(fence.isHeld()).isTrue();
      assertThat(fence.abdications()).as("it left by itself").isZero();
      assertThat(latchData()).singleElement().asString().startsWith(MarathonFence.ID_PREFIX);
    } finally {
      leaves.join();
    }
  }

  @Test
  void rejectedCredentialsFailWithA401MessageAndMarathonKeepsItsLeader() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST.withBasicAuth("admin:right"));
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    for (MarathonCredentials creds : List.of(MarathonCredentials.none(), MarathonCredentials.basic("admin", "wrong"))) {
      MarathonClient client = new MarathonClient(sim.anyUrl(), creds, Duration.ofSeconds(5));
      assertThatThrownBy(() -> MarathonFence.acquire(zk, LATCH, client, OPTIONS, progress::add))
          .isInstanceOfSatisfying(MarathonException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNAUTHORIZED);
            assertThat(e.getMessage()).contains("401").doesNotContain("wrong");
          });
      assertThat(latchData()).containsExactly(sim.urls().get(0).getAuthority());
      assertThat(sim.leaderIndex()).contains(0);
    }
  }

  @Test
  void ignoredAbdicationTimesOutWithAClearMessage() throws Exception {
    // Says "abdicated" but its latch participant never leaves: a hung or lying leader.
    HttpServer liar = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    liar.createContext("/", ex -> {
      byte[] body = "{\"message\":\"Leadership abdicated\"}".getBytes(UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    liar.start();
    closeables.add(() -> liar.stop(0));
    String hostPort = "127.0.0.1:" + liar.getAddress().getPort();
    ghostParticipant(hostPort);
    MarathonClient client = new MarathonClient(URI.create("http://" + hostPort), MarathonCredentials.none(),
        Duration.ofSeconds(2));
    FenceOptions shortWait = TestFences.withRecovery(TestFences.withAbdication(OPTIONS,
        Duration.ofSeconds(1)), Duration.ofSeconds(5));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> MarathonFence.acquire(zk, LATCH, client, shortWait, progress::add))
        .isInstanceOf(FenceException.class)
        .hasMessageContaining("Marathon leader " + hostPort + " did not abdicate within 1s");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(latchData()).containsExactly(hostPort);
  }

  @Test
  void leaderAddressNotReachableFromTheOperatorFallsBackToTheConfiguredUrl() throws Exception {
    int deadPort = freePort();
    LeaderLatch ghost = ghostParticipant("127.0.0.1:" + deadPort);
    // Stands in for a load balancer / standby that proxies the DELETE to the leader, which then leaves.
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    proxy.createContext("/", ex -> {
      requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
      byte[] body = "{\"message\":\"Leadership abdicated\"}".getBytes(UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
      try {
        ghost.close();
      } catch (Exception ignored) {
        // already closed
      }
    });
    proxy.start();
    closeables.add(() -> proxy.stop(0));
    MarathonClient client = new MarathonClient(URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()),
        MarathonCredentials.none(), Duration.ofSeconds(2));
    MarathonFence fence = MarathonFence.acquire(zk, LATCH, client, OPTIONS, progress::add);
    closeables.add(0, fence);
    assertThat(fence.isHeld()).isTrue();
    assertThat(fence.abdications()).isEqualTo(1);
    assertThat(requests).containsExactly("DELETE /v2/leader");
  }

  @Test
  void aDroppedConnectionKeepsTheFenceAndALostSessionGivesItUp() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST);
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    // The operator's client as production builds it: only a LOST session is an error state.
    CuratorFramework operatorZk = ZkConnector.connect(ZkTarget.parse("zk://" + server.getConnectString() + "/marathon"),
        Duration.ofSeconds(10), Duration.ofSeconds(5));
    closeables.add(operatorZk);
    MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
    MarathonFence fence = MarathonFence.acquire(operatorZk, LATCH, client, OPTIONS, progress::add);
    closeables.add(0, fence);
    String token = fence.latchNodePath();
    assertThat(fence.isHeld()).isTrue();

    // The connection drops (the server goes away) and comes back within the session: the latch node never left.
    server.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> progress.stream().anyMatch(l -> l.contains("SUSPENDED")));
    server.restart();
    assertThat(fence.isHeld()).as("fence after reconnecting within the session").isTrue();
    assertThat(fence.latchNodePath()).isEqualTo(token);
    assertThat(operatorZk.checkExists().forPath(token)).isNotNull();
    assertThat(sim.leaderIndex()).isEmpty();
    assertThat(progress).noneMatch(l -> l.contains("fence is lost"));

    // The session expires (server-side, as after a partition longer than the session timeout): the fence is lost.
    long session = operatorZk.getZookeeperClient().getZooKeeper().getSessionId();
    byte[] password = operatorZk.getZookeeperClient().getZooKeeper().getSessionPasswd();
    CountDownLatch twinConnected = new CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(server.getConnectString(), 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        twinConnected.countDown();
      }
    }, session, password);
    assertThat(twinConnected.await(10, TimeUnit.SECONDS)).isTrue();
    twin.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> !fence.isHeld());
    // The fence left by itself: Marathon recovers without anyone calling close().
    await().atMost(Duration.ofSeconds(30)).until(() -> sim.leaderIndex().isPresent());
    assertThat(fence.isHeld()).isFalse();
    assertThat(latchData()).doesNotContain("").allMatch(d -> !d.startsWith(MarathonFence.ID_PREFIX));
    assertThat(progress).anyMatch(l -> l.contains("fence is lost"));
  }

  @Test
  void operatorDeathReleasesTheFenceWithItsSession() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST);
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    CuratorFramework operatorZk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
    operatorZk.start();
    operatorZk.blockUntilConnected();
    MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
    MarathonFence fence = MarathonFence.acquire(operatorZk, LATCH, client, OPTIONS, progress::add);
    await().atMost(Duration.ofSeconds(10)).until(() -> latchSize() == 2);
    assertThat(sim.leaderIndex()).isEmpty();
    // The "crash": no release, the session just ends.
    operatorZk.close();
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    assertThat(zk.checkExists().forPath(fence.latchNodePath())).isNull();
    fence.close();
  }

  @Test
  void aclProtectedMarathonNeedsTheOperatorToAuthenticateAsMarathon() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST.withZkDigest("dcos_marathon:secret"));
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
    FenceOptions shortJoin = TestFences.withAbdication(OPTIONS, Duration.ofSeconds(2));

    // Anonymous: Marathon's CREATOR_ALL ACL forbids joining its election.
    assertThatThrownBy(() -> MarathonFence.acquire(zk, LATCH, client, shortJoin, progress::add))
        .isInstanceOf(FenceException.class).hasMessageContaining("could not join Marathon's leader election")
        .hasMessageContaining("ZooKeeper identity");
    assertThat(sim.leaderIndex()).contains(0);

    CuratorFramework asMarathon = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .retryPolicy(new RetryOneTime(100)).authorization("digest", "dcos_marathon:secret".getBytes(UTF_8)).build();
    asMarathon.start();
    closeables.add(asMarathon);
    MarathonFence fence = MarathonFence.acquire(asMarathon, LATCH, client, shortJoin, progress::add);
    closeables.add(0, fence);
    assertThat(fence.isHeld()).isTrue();
    assertThat(sim.leaderIndex()).isEmpty();
    assertThat(fence.release()).isPositive();
    assertThat(sim.leaderIndex()).isPresent();
    assertThat(client.info().elected()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------

  /** mzxid/pzxid/version/cversion of every node under /marathon/state. */
  private Map<String, String> stateStats() throws Exception {
    return ZkTrees.changeStamps(zk, "/marathon/state");
  }

  private LeaderLatch ghostParticipant(String hostPort) throws Exception {
    CuratorFramework other = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
    other.start();
    LeaderLatch latch = new LeaderLatch(other, LATCH, hostPort);
    latch.start();
    latch.await();
    closeables.add(other);
    closeables.add(0, latch);
    return latch;
  }

  private int latchSize() throws Exception {
    return zk.getChildren().forPath(LATCH).size();
  }

  private List<String> latchData() throws Exception {
    List<String> out = new ArrayList<>();
    for (String c : zk.getChildren().forPath(LATCH)) {
      out.add(new String(zk.getData().forPath(LATCH + "/" + c), UTF_8));
    }
    return out;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
