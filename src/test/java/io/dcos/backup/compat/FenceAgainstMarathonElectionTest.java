package io.dcos.backup.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.MarathonHttp;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.testing.ZkTrees;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fence against Marathon's own election code: every simulated Marathon elects with Curator 4.0.1 on a ZooKeeper
 * 3.4.14 client in a JVM of its own (a new JVM per restart, as a restarted Marathon), on real server processes. The
 * assertions are those of {@code MarathonFenceTest} (which runs against the simulator's in-process Curator 5.9): no
 * Marathon leads and {@code <zk>/state} gets no write while the fence is held, and one leads again after its release.
 */
@Tag("compat")
class FenceAgainstMarathonElectionTest {
  private static final String LATCH = "/marathon/leader-curator";
  private static final Duration WRITE_INTERVAL = Duration.ofMillis(100);
  private static final SimulatorOptions FAST = SimulatorOptions.defaults()
      .withRestartDelay(Duration.ofMillis(300)).withWriteInterval(WRITE_INTERVAL).withExitDelay(Duration.ofMillis(300));
  private static final FenceOptions OPTIONS = TestFences.ELECTION_PROCESSES;

  @ParameterizedTest(name = "ZooKeeper {0}, {1} Marathon(s)")
  @CsvSource({"3.4.14, 1", "3.4.14, 3", "3.9.5, 1", "3.9.5, 3", "3.5.10, 1", "3.5.10, 3"})
  void theFenceHoldsMarathonsOwnElectionCode(String version, int instances) throws Exception {
    ReleaseJars jars = ReleaseJars.underTarget();
    List<String> progress = new CopyOnWriteArrayList<>();
    try (ZooKeeperProcess server = ZooKeeperProcess.start(jars.zooKeeperServer(version), "256m",
             Duration.ofSeconds(60));
         MarathonSimulator sim = MarathonSimulator.start(server.connectString(), "/marathon", instances, FAST,
             Election.CURATOR_4_0_1, jars);
         CuratorFramework zk = ZkConnector.connect(ZkTarget.parse("zk://" + server.connectString() + "/marathon"),
             Duration.ofSeconds(10), Duration.ofSeconds(5))) {
      assertThat(server.version()).isEqualTo(version);
      assertThat(sim.election()).isEqualTo(Election.CURATOR_4_0_1);
      // Joining: each Marathon is a child JVM on Marathon's jars, with a Curator 4.0.1 latch node.
      await().atMost(Duration.ofSeconds(30)).until(() -> latch(zk).size() == instances);
      assertThat(peerJvms(server)).hasSize(instances);
      assertThat(latch(zk)).allSatisfy(n -> assertThat(n.name()).matches("_c_[0-9a-f-]{36}-latch-\\d{10}"));
      assertThat(latch(zk)).extracting(Node::data).containsExactlyInAnyOrderElementsOf(sim.hostPorts());
      await().atMost(Duration.ofSeconds(30)).until(() -> sim.leaderIndex().isPresent());
      assertThat(MarathonHttp.post(sim.anyUrl(), "/v2/apps", "{\"id\":\"/web\",\"cmd\":\"sleep 1\"}")).isEqualTo(201);

      // Control: without the fence the state does change within the window, so "unchanged" below means something.
      Map<String, String> before = stateStats(zk);
      Thread.sleep(WRITE_INTERVAL.toMillis() * 3);
      assertThat(stateStats(zk)).isNotEqualTo(before);

      MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
      int electionsBefore = sim.elections();
      MarathonFence fence = MarathonFence.acquire(zk, LATCH, client, OPTIONS, progress::add);
      try {
        assertThat(fence.isHeld()).isTrue();
        // Abdication of the leader; the standbys' Curator 4.0.1 latches re-join behind the operator when moved.
        assertThat(fence.abdications()).isEqualTo(1);
        assertThat(fence.standbysRequeued()).isEqualTo(instances - 1);
        assertThat(sim.elections()).isEqualTo(electionsBefore);
        assertThat(sim.leaderIndex()).isEmpty();

        // Exit and re-join: the abdicated Marathon's JVM ended, its restart is a new JVM queued behind the operator.
        await().atMost(Duration.ofSeconds(30)).until(() -> latch(zk).size() == instances + 1);
        List<Node> queued = latch(zk);
        assertThat(queued.get(0).path()).isEqualTo(fence.latchNodePath());
        assertThat(queued.subList(1, queued.size())).extracting(Node::data)
            .containsExactlyInAnyOrderElementsOf(sim.hostPorts());
        await().atMost(Duration.ofSeconds(10)).until(() -> peerJvms(server).size() == instances);

        Map<String, String> fenced = stateStats(zk);
        Thread.sleep(WRITE_INTERVAL.toMillis() * 5);
        assertThat(stateStats(zk)).isEqualTo(fenced);
        assertThat(sim.leaderIndex()).isEmpty();
        assertThat(sim.elections()).isEqualTo(electionsBefore);
        for (URI url : sim.urls()) {
          // Standbys cannot proxy to the operator: Marathon's API is unavailable while fenced.
          assertThat(new MarathonClient(url, MarathonCredentials.none(), Duration.ofSeconds(5)).ping()).isFalse();
        }

        assertThat(fence.release()).isPositive();
      } finally {
        fence.close();
      }
      assertThat(sim.leaderIndex()).isPresent();
      assertThat(client.info().elected()).isTrue();
      assertThat(MarathonHttp.get(sim.anyUrl(), "/v2/apps/web")).isEqualTo(200);
      assertThat(zk.checkExists().forPath(fence.latchNodePath())).isNull();
      assertThat(progress).anyMatch(l -> l.contains("abdicated")).anyMatch(l -> l.startsWith("Fence held"));

      // Re-election: the leader's process dies; a Marathon is elected again by Curator 4.0.1 alone.
      int leader = sim.leaderIndex().orElseThrow();
      int elections = sim.elections();
      sim.crash(leader);
      await().atMost(Duration.ofSeconds(30)).until(() -> sim.elections() > elections && sim.leaderIndex().isPresent());
      int newLeader = sim.leaderIndex().orElseThrow();
      if (instances > 1) {
        assertThat(newLeader).isNotEqualTo(leader);
      }
      assertThat(new MarathonClient(sim.urls().get(newLeader), MarathonCredentials.none(), Duration.ofSeconds(5))
          .info().elected()).isTrue();
    }
  }

  /**
   * DC/OS strict mode: Marathon authenticates with a digest user and creates its nodes CREATOR_ALL, the election's
   * parent world-readable too. The operator, authenticated as that user, still moves the standbys and holds the fence.
   */
  @ParameterizedTest(name = "ZooKeeper {0}, digest ACLs")
  @CsvSource({"3.4.14", "3.9.5"})
  void theFenceHoldsMarathonsOwnElectionCodeWithDigestAcls(String version) throws Exception {
    ReleaseJars jars = ReleaseJars.underTarget();
    String marathonUser = "dcos_marathon:secret";
    try (ZooKeeperProcess server = ZooKeeperProcess.start(jars.zooKeeperServer(version), "256m",
             Duration.ofSeconds(60));
         MarathonSimulator sim = MarathonSimulator.start(server.connectString(), "/marathon", 3,
             FAST.withZkDigest(marathonUser), Election.CURATOR_4_0_1, jars);
         CuratorFramework zk = ZkConnector.connect(new ZkTarget(server.connectString(), "/marathon",
             java.util.Optional.of(marathonUser)), Duration.ofSeconds(10), Duration.ofSeconds(5))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> latch(zk).size() == 3 && sim.leaderIndex().isPresent());
      List<org.apache.zookeeper.data.ACL> acl = zk.getACL().forPath(LATCH);
      assertThat(acl).extracting(a -> a.getId().getScheme() + ":" + a.getPerms())
          .contains("world:" + org.apache.zookeeper.ZooDefs.Perms.READ, "digest:" + org.apache.zookeeper.ZooDefs.Perms.ALL);
      assertThat(zk.getACL().forPath(latch(zk).get(0).path())).extracting(a -> a.getId().getScheme())
          .containsExactly("digest");
      MarathonClient client = new MarathonClient(sim.anyUrl(), MarathonCredentials.none(), Duration.ofSeconds(5));
      MarathonFence fence = MarathonFence.acquire(zk, LATCH, client, OPTIONS, line -> { });
      try {
        assertThat(fence.abdications()).isEqualTo(1);
        assertThat(fence.standbysRequeued()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> latch(zk).size() == 4);
        Map<String, String> fenced = stateStats(zk);
        Thread.sleep(WRITE_INTERVAL.toMillis() * 5);
        assertThat(stateStats(zk)).isEqualTo(fenced);
        assertThat(sim.leaderIndex()).isEmpty();
        assertThat(fence.release()).isPositive();
      } finally {
        fence.close();
      }
      assertThat(sim.leaderIndex()).isPresent();
    }
  }

  /** Child JVMs running the election peer against this server. */
  private static List<ProcessHandle> peerJvms(ZooKeeperProcess server) {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(List::of).map(args ->
            args.contains("io.dcos.backup.electionpeer.MarathonElectionPeer") && args.contains(server.connectString())
                && args.stream().anyMatch(a -> a.contains("curator-recipes-4.0.1.jar")
                    && a.contains("zookeeper-3.4.14.jar") && !a.contains("curator-recipes-5"))).orElse(false))
        .toList();
  }

  record Node(String name, String path, long sequence, String data) { }

  private static List<Node> latch(CuratorFramework zk) throws Exception {
    List<Node> out = new ArrayList<>();
    if (zk.checkExists().forPath(LATCH) == null) {
      return out;
    }
    for (String child : zk.getChildren().forPath(LATCH)) {
      try {
        byte[] data = zk.getData().forPath(LATCH + "/" + child);
        out.add(new Node(child, LATCH + "/" + child,
            Long.parseLong(child.substring(child.lastIndexOf("latch-") + "latch-".length())),
            new String(data, StandardCharsets.UTF_8)));
      } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
        // left while we listed
      }
    }
    out.sort(Comparator.comparingLong(Node::sequence));
    return out;
  }

  /** mzxid/pzxid/version/cversion of every node under /marathon/state. */
  private static Map<String, String> stateStats(CuratorFramework zk) throws Exception {
    return ZkTrees.changeStamps(zk, "/marathon/state");
  }
}
