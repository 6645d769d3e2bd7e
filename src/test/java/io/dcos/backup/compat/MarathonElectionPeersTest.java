package io.dcos.backup.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.release.ElectionPeer;
import io.dcos.backup.release.ElectionPeerStack;
import io.dcos.backup.release.ReleaseJars;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Marathon's own election code (Curator 4.0.1 on the ZooKeeper 3.4.14 client, each participant in a JVM of its own)
 * against real server releases, 3.4.14 (DC/OS's) included: the participants elect exactly one leader, agree on it, and
 * elect the next one when the leader abdicates; a participant that re-joins queues at the back. The observer is a
 * plain ZooKeeper client doing reads only, which every release answers.
 */
@Tag("compat")
class MarathonElectionPeersTest {
  private static final String LATCH = "/marathon/leader-curator";
  private static final Duration ANSWER = Duration.ofSeconds(5);

  private final List<ElectionPeer> peers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    peers.forEach(ElectionPeer::close);
  }

  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.9.5"})
  void marathonsElectOneLeaderAndReElectAfterAbdication(String version) throws Exception {
    ReleaseJars jars = ReleaseJars.underTarget();
    ElectionPeerStack stack = ElectionPeerStack.curator401(jars);
    assertThat(stack.classpath()).contains("curator-recipes-4.0.1.jar").contains("zookeeper-3.4.14.jar")
        .doesNotContain("curator-recipes-5").doesNotContain("zookeeper-3.9");
    try (ZooKeeperProcess server = ZooKeeperProcess.start(jars.zooKeeperServer(version), "256m",
        Duration.ofSeconds(60))) {
      assertThat(server.version()).isEqualTo(version);
      ZooKeeper observer = connect(server.connectString());
      try {
        for (int i = 0; i < 3; i++) {
          peers.add(join(stack, server, "127.0.0.1:" + (18080 + i)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> peers.stream().allMatch(p -> p.ourPath().isPresent()));
        List<Node> nodes = nodes(observer);
        assertThat(nodes).hasSize(3);
        // Curator 4.0.1's protected node names; the 3.4 server created them with the plain create op code.
        assertThat(nodes).allSatisfy(n -> assertThat(n.name()).matches("_c_[0-9a-f-]{36}-latch-\\d{10}"));
        ElectionPeer first = peerOwning(nodes.get(0));
        await().atMost(Duration.ofSeconds(10)).until(first::isLeader);
        assertAgreedLeader(first, nodes.get(0).data());

        first.abdicate();
        assertThat(first.awaitExit(Duration.ofSeconds(10))).isTrue();
        assertThat(first.exitCode()).hasValue(105);
        assertThat(observer.exists(nodes.get(0).path(), false)).isNull();
        ElectionPeer second = peerOwning(nodes.get(1));
        await().atMost(Duration.ofSeconds(10)).until(second::isLeader);
        assertAgreedLeader(second, nodes.get(1).data());

        // The abdicated Marathon restarts: a new participant with a higher sequence number, behind the others.
        ElectionPeer rejoined = join(stack, server, first.id());
        peers.add(rejoined);
        await().atMost(Duration.ofSeconds(30)).until(() -> rejoined.ourPath().isPresent());
        List<Node> after = nodes(observer);
        assertThat(after).hasSize(3);
        assertThat(after.get(2).path()).isEqualTo(rejoined.ourPath().orElseThrow());
        assertThat(after.get(2).sequence()).isGreaterThan(nodes.get(2).sequence());
        assertAgreedLeader(second, nodes.get(1).data());
        assertThat(rejoined.isLeader()).isFalse();

        // A leader that is killed (no abdication) is replaced once the server expires its session.
        second.kill();
        ElectionPeer third = peerOwning(nodes.get(2));
        await().atMost(Duration.ofSeconds(30)).until(third::isLeader);
        assertAgreedLeader(third, nodes.get(2).data());
      } finally {
        observer.close();
      }
    }
  }

  private ElectionPeer join(ElectionPeerStack stack, ZooKeeperProcess server, String id) throws Exception {
    // Sessions as short as the 3.4/3.9 servers allow (2 x tickTime), so the killed leader's node expires quickly.
    return ElectionPeer.start(stack, server.connectString(), LATCH, id, Optional.empty(), Duration.ofSeconds(4),
        new ElectionPeer.Listener() { });
  }

  /** Every live participant's own latch says {@code leader} leads, and only {@code leader} says it is leader. */
  private void assertAgreedLeader(ElectionPeer leader, String leaderId) throws Exception {
    for (ElectionPeer p : peers) {
      if (p.isAlive()) {
        assertThat(p.leaderId(ANSWER)).as("leader as " + p.id() + " sees it").contains(leaderId);
        assertThat(p.isLeader()).as(p.id() + " leads").isEqualTo(p == leader);
      }
    }
    assertThat(leader.id()).isEqualTo(leaderId);
  }

  private ElectionPeer peerOwning(Node node) {
    return peers.stream().filter(p -> p.isAlive() && p.ourPath().equals(Optional.of(node.path()))).findFirst()
        .orElseThrow(() -> new AssertionError("no live peer owns " + node.path()));
  }

  record Node(String name, String path, long sequence, String data, long owner) { }

  private static List<Node> nodes(ZooKeeper zk) throws Exception {
    List<Node> out = new ArrayList<>();
    for (String child : zk.getChildren(LATCH, false)) {
      Stat stat = new Stat();
      byte[] data = zk.getData(LATCH + "/" + child, false, stat);
      out.add(new Node(child, LATCH + "/" + child, Long.parseLong(child.substring(child.lastIndexOf("latch-") + 6)),
          new String(data, StandardCharsets.UTF_8), stat.getEphemeralOwner()));
    }
    out.sort(Comparator.comparingLong(Node::sequence));
    return out;
  }

  private static ZooKeeper connect(String connectString) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connectString, 10_000, e -> {
      if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
    return zk;
  }
}
