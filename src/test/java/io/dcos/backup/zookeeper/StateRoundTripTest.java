package io.dcos.backup.zookeeper;

import static io.dcos.backup.testing.ZkTrees.createAll;
import static io.dcos.backup.zookeeper.ZkTestSupport.USER;
import static io.dcos.backup.zookeeper.ZkTestSupport.digestAll;
import static io.dcos.backup.zookeeper.ZkTestSupport.snapshot;
import static io.dcos.backup.zookeeper.ZkTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.testing.ZkTrees;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateRoundTripTest {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static TestingServer server;
  private static CuratorFramework marathon; // authenticated as Marathon's digest user
  private static CuratorFramework marathon2; // a second Marathon session: owns the ephemerals
  private static CuratorFramework other;     // authenticated as another user

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    ZkTestSupport.quietZooKeeperLogs();
    server = new TestingServer(true);
    marathon = ZkTestSupport.connect(server.getConnectString(), USER);
    marathon2 = ZkTestSupport.connect(server.getConnectString(), USER);
    other = ZkTestSupport.connect(server.getConnectString(), "intruder:pw");
  }

  @AfterAll
  static void stop() throws Exception {
    marathon.close();
    marathon2.close();
    other.close();
    server.close();
  }

  /** A fresh /tN/marathon per test so tests do not see each other's nodes. */
  private static String newBase() throws Exception {
    String base = "/t" + SEQ.incrementAndGet() + "/marathon";
    marathon.create().creatingParentsIfNeeded().forPath(base);
    return base;
  }

  /** A Marathon-like state tree: buckets, versions, digest and world ACLs, odd names, null and empty data. */
  private static List<ZNode> marathonLikeState() {
    ACL creator = digestAll(USER);
    List<ACL> own = List.of(creator);
    List<ACL> worldReadOwnerAll = List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE), creator);
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", utf8("root"), worldReadOwnerAll));
    nodes.add(new ZNode("/internal:storage:version", new byte[] {8, 1, 16, 9, 24, 0}, own));
    for (String category : List.of("apps", "group", "instance")) {
      nodes.add(new ZNode("/" + category, null, own));
      for (int bucket = 0; bucket < 16; bucket++) {
        String b = "/" + category + "/" + Integer.toHexString(bucket);
        nodes.add(new ZNode(b, new byte[0], own));
        for (int i = 0; i < 3; i++) {
          String id = b + "/app" + bucket + "-" + i;
          nodes.add(new ZNode(id, utf8("{\"id\":\"" + id + "\"}"), own));
          nodes.add(new ZNode(id + "/2024-01-0" + (i + 1) + "T10:00:00.000Z", utf8("v" + i), own));
        }
      }
    }
    nodes.add(new ZNode("/apps/0/name with spaces", utf8("spaces"), ZooDefs.Ids.OPEN_ACL_UNSAFE));
    nodes.add(new ZNode("/apps/0/ünïcødé-名前-ß", utf8("unicode ✓"), worldReadOwnerAll));
    nodes.add(new ZNode("/framework-id", null, own));
    nodes.add(new ZNode("/framework-id/b", null, own));
    nodes.add(new ZNode("/framework-id/b/id", utf8("c0ffee-0000"), own));
    return nodes;
  }

  @Test
  void snapshotArchiveRestoreReproducesDataAndAclsExactly() throws Exception {
    String base = newBase();
    String state = base + "/state";
    List<ZNode> original = marathonLikeState();
    createAll(marathon, original, state);
    // Marathon's leader latch next to the state: ephemeral-sequential, must survive the restore untouched.
    String latch = base + "/leader-curator";
    marathon.create().forPath(latch);
    String participant = marathon2.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath(latch + "/_c_1234-latch-", utf8("10.0.0.1:8080"));
    // An ephemeral inside the state is session data, not state.
    marathon2.create().withMode(CreateMode.EPHEMERAL).withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE)
        .forPath(state + "/apps/ephemeral-lock", utf8("x"));

    ArchiveStore store = new ArchiveStore(dir);
    SnapshotSummary snap;
    try (ArchiveWriter w = store.create("rt-1")) {
      snap = new StateSnapshotter(marathon).snapshot(state, w, true);
      w.commit(new ManifestInfo("rt-1", "rt", Instant.now(), List.of("h:1"), state, "1.10.0"));
    }
    assertThat(snap.znodes()).isEqualTo(original.size());
    assertThat(snap.dataBytes()).isEqualTo(original.stream().mapToLong(n -> n.data() == null ? 0 : n.data().length)
        .sum());

    // Damage the live tree: change data, change an ACL, delete a subtree, add a stranger.
    marathon.setData().forPath(state + "/framework-id/b/id", utf8("changed"));
    marathon.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state + "/apps/1");
    marathon.delete().deletingChildrenIfNeeded().forPath(state + "/group");
    marathon.create().creatingParentsIfNeeded().forPath(state + "/apps/f/stranger/child", utf8("new"));
    marathon.setData().forPath(state, utf8("root changed"));
    marathon.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state);

    try (ArchiveReader r = store.open("rt-1")) {
      assertThat(new StateVerifier(marathon).compare(state, r.nodes())).isPresent();
    }
    RestoreSummary restored;
    try (ArchiveReader r = store.open("rt-1")) {
      restored = new StateRestorer(marathon).restore(state, r.nodes(), null);
    }

    List<ZNode> after = snapshot(marathon, state);
    assertThat(after).containsExactlyInAnyOrderElementsOf(original);
    assertThat(restored.znodesWritten()).isEqualTo(original.size());
    try (ArchiveReader r = store.open("rt-1")) {
      assertThat(new StateVerifier(marathon).compare(state, r.nodes())).isEmpty();
    }
    assertThat(marathon.checkExists().forPath(state + "/apps/ephemeral-lock")).isNull();
    assertThat(marathon.getChildren().forPath(latch)).containsExactly(participant.substring(latch.length() + 1));
    assertThat(marathon.getData().forPath(participant)).isEqualTo(utf8("10.0.0.1:8080"));
  }

  @Test
  void snapshotEmitsParentsBeforeChildrenAndSkipsEphemerals() throws Exception {
    String state = newBase() + "/state";
    createAll(marathon, marathonLikeState(), state);
    marathon2.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE)
        .forPath(state + "/apps/eph-", utf8("x"));
    List<ZNode> nodes = snapshot(marathon, state);
    assertThat(nodes.get(0).relativePath()).isEmpty();
    List<String> seen = new ArrayList<>();
    for (ZNode n : nodes) {
      if (!n.relativePath().isEmpty()) {
        String parent = n.relativePath().substring(0, n.relativePath().lastIndexOf('/'));
        assertThat(seen).as("parent of %s emitted first", n.relativePath()).contains(parent);
      }
      seen.add(n.relativePath());
    }
    assertThat(seen).noneMatch(p -> p.contains("eph-"));
  }

  @Test
  void nodeByNodeReadingGivesTheSameSnapshotAsMultiRead() throws Exception {
    String state = newBase() + "/state";
    createAll(marathon, marathonLikeState(), state);
    List<ZNode> viaMulti = snapshot(marathon, state);
    List<ZNode> viaSingles = new ArrayList<>();
    // Stands in for a 3.5 server (no multi-read), and tiny batches exercise the batch boundaries.
    TreeReader.Limits noMulti = new TreeReader.Limits(3, 2, 4, 200, 1000, 50, 2, false);
    new StateSnapshotter(marathon, noMulti).snapshot(state, viaSingles::add);
    List<ZNode> viaTinyBatches = new ArrayList<>();
    new StateSnapshotter(marathon, new TreeReader.Limits(7, 3, 5, 300, 2000, 20, 3, true))
        .snapshot(state, viaTinyBatches::add);
    assertThat(viaMulti).hasSize(marathonLikeState().size());
    assertThat(viaSingles).containsExactlyInAnyOrderElementsOf(viaMulti);
    assertThat(viaTinyBatches).containsExactlyInAnyOrderElementsOf(viaMulti);
  }

  @Test
  void nearMaximumZnodeRoundTrips() throws Exception {
    String state = newBase() + "/state";
    byte[] big = new byte[1024 * 1024 - 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31 + 7);
    }
    ACL own = digestAll(USER);
    marathon.create().withACL(List.of(own)).forPath(state, utf8("r"));
    marathon.create().withACL(List.of(own)).forPath(state + "/big", big);
    marathon.create().withACL(List.of(own)).forPath(state + "/big2", big);
    marathon.create().withACL(List.of(own)).forPath(state + "/small", utf8("s"));
    List<ZNode> before = snapshot(marathon, state);
    assertThat(before).hasSize(4);
    assertThat(before.get(1).data()).isEqualTo(big);

    marathon.delete().forPath(state + "/big");
    new StateRestorer(marathon).restore(state, before.iterator(), null);
    assertThat(snapshot(marathon, state)).containsExactlyElementsOf(before);
  }

  @Test
  void largestCreatableZnodeRoundTripsUnderAFence() throws Exception {
    String base = newBase();
    String state = base + "/state";
    String fence = base + "-fence";
    marathon.create().forPath(fence);
    marathon.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state);
    String max = state + "/max";
    // Measured on ZooKeeper 3.9: with a 3-character path and the open ACL, 1,048,524 data bytes is the largest
    // plain create; one byte more and the server drops the connection. Such a node does not fit in a multi().
    int largest = 1_048_524 + 3 - max.length();
    byte[] data = new byte[largest];
    Arrays.fill(data, (byte) 'm');
    marathon.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(max, data);
    marathon.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state + "/after", utf8("a"));
    List<ZNode> before = snapshot(marathon, state);
    assertThat(before).hasSize(3);

    ZkTrees.deleteAll(marathon, before.subList(1, 3), state);
    RestoreSummary summary = new StateRestorer(marathon).restore(state, before.iterator(), new FenceToken(fence, 0));
    assertThat(summary.znodesWritten()).isEqualTo(3);
    assertThat(new StateVerifier(marathon).compare(state, before.iterator())).isEmpty();
  }

  @Test
  void nodeWithTenThousandLongNamedChildrenRoundTrips() throws Exception {
    String state = newBase() + "/state";
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    nodes.add(new ZNode("/instance", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    // 10,500 names of ~110 bytes: the getChildren reply alone is above the default jute.maxbuffer of 1 MB.
    String pad = "x".repeat(100);
    for (int i = 0; i < 10_500; i++) {
      nodes.add(new ZNode("/instance/" + pad + String.format("%06d", i), utf8("i" + i), ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    createAll(marathon, nodes, state);
    List<ZNode> before = snapshot(marathon, state);
    // Set comparison: AssertJ's any-order comparison is quadratic and took seconds at this size.
    assertThat(before).hasSameSizeAs(nodes);
    assertThat(new HashSet<>(before)).isEqualTo(new HashSet<>(nodes));

    ZkTrees.deleteAll(marathon, nodes.subList(1, nodes.size()), state);
    RestoreSummary summary = new StateRestorer(marathon).restore(state, before.iterator(), null);
    assertThat(summary.znodesWritten()).isEqualTo(nodes.size());
    assertThat(new StateVerifier(marathon).compare(state, nodes.iterator())).isEmpty();
  }

  @Test
  void wideNodeWithADefaultSizedClientFailsNamingTheNode() throws Exception {
    String state = newBase() + "/state";
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    String pad = "y".repeat(120);
    for (int i = 0; i < 9_000; i++) {
      nodes.add(new ZNode("/" + pad + i, null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    createAll(marathon, nodes, state);
    // A client not made by ZkConnector keeps the 1 MB reply limit: the children list cannot be read at all.
    try (CuratorFramework plain = org.apache.curator.framework.CuratorFrameworkFactory.newClient(
        server.getConnectString(), 10_000, 5_000, new org.apache.curator.retry.RetryOneTime(100))) {
      plain.start();
      plain.blockUntilConnected();
      assertThatThrownBy(() -> new StateSnapshotter(plain).snapshot(state, n -> {}))
          .hasMessageContaining(state).hasMessageContaining("jute.maxbuffer");
    }
  }

  @Test
  void snapshotNeedsAboutOneRequestPerNode() throws Exception {
    String state = newBase() + "/state";
    List<ZNode> nodes = marathonLikeState();
    createAll(marathon, nodes, state);
    TreeReader reader = new TreeReader(marathon, TreeReader.Limits.DEFAULT);
    AtomicInteger visited = new AtomicInteger();
    reader.walk(state, (path, data, acl, stat) -> visited.incrementAndGet());
    assertThat(visited.get()).isEqualTo(nodes.size());
    assertThat(reader.usedMultiRead()).isTrue();
    // One getACL per node is unavoidable (no multi op reads ACLs); data and children must ride in shared multis.
    // A node-by-node walk would need about 2.9 requests per node here.
    assertThat(reader.requests()).isLessThanOrEqualTo(nodes.size() + nodes.size() / 20);
  }

  @Test
  void containerNodesAreStateAndKept() throws Exception {
    String state = newBase() + "/state";
    marathon.create().forPath(state);
    marathon.create().withMode(CreateMode.CONTAINER).forPath(state + "/container");
    marathon.create().forPath(state + "/container/child", utf8("c"));
    assertThat(snapshot(marathon, state)).extracting(ZNode::relativePath)
        .containsExactlyInAnyOrder("", "/container", "/container/child");
  }

  @Test
  void strictSnapshotRefusesAStateThatChangedDuringTheWalk() throws Exception {
    String state = newBase() + "/state";
    createAll(marathon, marathonLikeState(), state);
    String changed = state + "/framework-id/b/id";
    AtomicInteger seen = new AtomicInteger();
    ZNodeSink changeOnFirstNode = n -> {
      if (seen.getAndIncrement() == 0) {
        try {
          marathon2.setData().forPath(changed, utf8("new framework id"));
        } catch (Exception e) {
          throw new java.io.IOException(e);
        }
      }
    };
    assertThatThrownBy(() -> new StateSnapshotter(marathon).snapshot(state, changeOnFirstNode, true))
        .isInstanceOf(StateChangedException.class).hasMessageContaining(changed);

    // Without the flag the same situation only warns; a deletion is noticed the same way.
    seen.set(0);
    String deleted = state + "/apps/5/app5-2/2024-01-03T10:00:00.000Z";
    ZNodeSink deleteOnFirstNode = n -> {
      if (seen.getAndIncrement() == 0) {
        try {
          marathon2.delete().forPath(deleted);
        } catch (Exception e) {
          throw new java.io.IOException(e);
        }
      }
    };
    assertThat(new StateSnapshotter(marathon).snapshot(state, deleteOnFirstNode).znodes()).isPositive();
    seen.set(0);
    ZNodeSink createOnFirstNode = n -> {
      if (seen.getAndIncrement() == 0) {
        try {
          marathon2.create().forPath(deleted, utf8("back"));
        } catch (Exception e) {
          throw new java.io.IOException(e);
        }
      }
    };
    assertThatThrownBy(() -> new StateSnapshotter(marathon).snapshot(state, createOnFirstNode, true))
        .isInstanceOf(StateChangedException.class).hasMessageContaining(deleted);
    // Once quiet again, the strict snapshot succeeds: the watch of the failed attempts is gone.
    assertThat(new StateSnapshotter(marathon).snapshot(state, n -> {}, true).znodes())
        .isEqualTo(marathonLikeState().size());
  }

  @Test
  void migrationInProgressRefusesSnapshot() throws Exception {
    String state = newBase() + "/state";
    createAll(marathon, marathonLikeState(), state);
    marathon.create().forPath(state + "/migration-in-progress");
    List<ZNode> sink = new ArrayList<>();
    assertThatThrownBy(() -> new StateSnapshotter(marathon).snapshot(state, sink::add))
        .isInstanceOf(StateUnavailableException.class).hasMessageContaining("migrat");
    assertThat(sink).isEmpty();
  }

  @Test
  void missingRootRefusesSnapshot() throws Exception {
    String state = newBase() + "/state";
    assertThatThrownBy(() -> new StateSnapshotter(marathon).snapshot(state, n -> {}))
        .isInstanceOf(StateUnavailableException.class).hasMessageContaining(state).hasMessageContaining("not exist");
  }

  @Test
  void unreadableNodeFailsSnapshotNamingThePath() throws Exception {
    String state = newBase() + "/state";
    createAll(marathon, marathonLikeState(), state);
    String secret = state + "/apps/3/secret";
    marathon.create().withACL(List.of(digestAll("someone:else"))).forPath(secret, utf8("hidden"));
    assertThatThrownBy(() -> new StateSnapshotter(marathon).snapshot(state, n -> {}))
        .isInstanceOf(StateUnavailableException.class).hasMessageContaining(secret);
  }

  @Test
  void restoreRefusesToStartWhenFenceHasAnotherVersion() throws Exception {
    String base = newBase();
    String state = base + "/state";
    List<ZNode> original = marathonLikeState();
    createAll(marathon, original, state);
    String fence = base + "-fence";
    marathon.create().forPath(fence);
    marathon.setData().forPath(fence, utf8("bumped")); // now version 1

    List<ZNode> replacement = List.of(new ZNode("", utf8("other"), ZooDefs.Ids.OPEN_ACL_UNSAFE));
    assertThatThrownBy(() -> new StateRestorer(marathon).restore(state, replacement.iterator(), new FenceToken(fence, 0)))
        .isInstanceOf(FenceLostException.class).hasMessageContaining(fence);
    assertThat(new StateVerifier(marathon).compare(state, original.iterator())).isEmpty();
  }

  @Test
  void fenceLostMidwayStopsEveryLaterBatch() throws Exception {
    String base = newBase();
    String state = base + "/state";
    marathon.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state);
    String fence = base + "-fence";
    marathon.create().forPath(fence);
    List<ZNode> archive = new ArrayList<>();
    archive.add(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    for (int i = 0; i < 3000; i++) {
      archive.add(new ZNode(String.format("/n%05d", i), utf8("d" + i), ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    int deleteFenceAt = 1500;
    Iterator<ZNode> source = archive.iterator();
    AtomicInteger handedOut = new AtomicInteger();
    Iterator<ZNode> losingFence = new Iterator<>() {
      @Override public boolean hasNext() { return source.hasNext(); }

      @Override public ZNode next() {
        if (handedOut.getAndIncrement() == deleteFenceAt) {
          try {
            other.delete().forPath(fence); // another session: the operator lost its fence
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        return source.next();
      }
    };
    StateRestorer restorer = new StateRestorer(marathon, new StateRestorer.Limits(50, 512 * 1024, 4, 100));
    assertThatThrownBy(() -> restorer.restore(state, losingFence, new FenceToken(fence, 0)))
        .isInstanceOf(FenceLostException.class);

    List<String> present = marathon.getChildren().forPath(state).stream().sorted().toList();
    // Batches are all-or-nothing and every batch after the loss fails its check: what landed is a prefix of the
    // stream that ends before the node being handed out when the fence went away.
    List<String> expectedPrefix = archive.subList(1, 1 + present.size()).stream()
        .map(n -> n.relativePath().substring(1)).toList();
    assertThat(present).isEqualTo(expectedPrefix);
    assertThat(present.size()).isLessThan(deleteFenceAt).isGreaterThan(0);

    // Restore is idempotent: the next owner of a fresh fence simply runs it again and converges.
    marathon.create().forPath(fence);
    new StateRestorer(marathon).restore(state, archive.iterator(), new FenceToken(fence, 0));
    assertThat(new StateVerifier(marathon).compare(state, archive.iterator())).isEmpty();
  }

  @Test
  void verifierNamesDifferences() throws Exception {
    String state = newBase() + "/state";
    List<ZNode> original = marathonLikeState();
    createAll(marathon, original, state);
    assertThat(new StateVerifier(marathon).compare(state, original.iterator())).isEmpty();

    marathon.setData().forPath(state + "/apps/2/app2-1", utf8("{}"));
    marathon.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(state + "/group/3");
    marathon.create().forPath(state + "/extra");
    marathon.delete().forPath(state + "/framework-id/b/id");
    Optional<String> diff = new StateVerifier(marathon).compare(state, original.iterator());
    assertThat(diff).isPresent();
    assertThat(diff.get()).contains("data differs at " + state + "/apps/2/app2-1")
        .contains("ACL differs at " + state + "/group/3").contains("unexpected node " + state + "/extra")
        .contains("missing node /framework-id/b/id");
  }

  @Test
  void nullAndEmptyDataStayDistinct() throws Exception {
    String state = newBase() + "/state";
    List<ZNode> nodes = List.of(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE),
        new ZNode("/empty", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE),
        new ZNode("/null", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    new StateRestorer(marathon).restore(state, nodes.iterator(), null);
    List<ZNode> back = snapshot(marathon, state);
    // ZooKeeper itself reports null for a node created with null data; the verifier must tell them apart.
    assertThat(back).containsExactlyElementsOf(nodes);
    List<ZNode> swapped = List.of(nodes.get(0), new ZNode("/empty", null, ZooDefs.Ids.OPEN_ACL_UNSAFE), nodes.get(2));
    assertThat(new StateVerifier(marathon).compare(state, swapped.iterator())).get().asString()
        .contains("data differs at " + state + "/empty");
  }

  @Test
  void restoreCreatesAMissingRootAndRefusesAFenceInsideTheSubtree() throws Exception {
    String base = newBase();
    String state = base + "/state";
    List<ZNode> original = marathonLikeState();
    new StateRestorer(marathon).restore(state, original.iterator(), null);
    assertThat(snapshot(marathon, state)).containsExactlyInAnyOrderElementsOf(original);
    assertThatThrownBy(() -> new StateRestorer(marathon).restore(state, original.iterator(),
        new FenceToken(state + "/apps", 0))).isInstanceOf(IllegalArgumentException.class);
  }
}
