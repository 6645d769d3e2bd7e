package io.dcos.backup.zookeeper;

import static io.dcos.backup.zookeeper.ZkTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.compat.OldZooKeeperServersTest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consistent snapshots on servers without persistent watches (3.4, DC/OS's, and 3.5): the walk is proven to be the
 * tree at a zxid marked before it, against writes made while it runs. The writes are made by the sink, which the
 * walk calls for a node before it reads that node's children, so each write lands at a known point of the walk. A
 * change to a node not yet read fails the snapshot; a change to one already read does not, and the snapshot is still
 * the tree at the mark.
 */
@Tag("compat")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZxidMarkTest {
  private static final String ROOT = "/marathon/state";
  private final List<ZooKeeperProcess> servers = new ArrayList<>();

  @BeforeAll
  void quiet() {
    ZkTestSupport.quietZooKeeperLogs();
  }

  @AfterAll
  void stopServers() {
    servers.forEach(ZooKeeperProcess::close);
  }

  private CuratorFramework connect(String version) throws Exception {
    ZooKeeperProcess server = servers.stream().filter(s -> s.version().equals(version)).findFirst().orElse(null);
    if (server == null) {
      server = ZooKeeperProcess.start(OldZooKeeperServersTest.serverClasspath(version), "256m", Duration.ofSeconds(60));
      servers.add(server);
    }
    CuratorFramework zk = ZkTestSupport.connect(server.connectString(), null);
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    if (raw.exists(ROOT, false) != null) {
      for (String child : raw.getChildren(ROOT, false)) {
        zk.delete().deletingChildrenIfNeeded().forPath(ROOT + "/" + child);
      }
    }
    for (String path : List.of(ROOT, ROOT + "/a", ROOT + "/a/1", ROOT + "/b", ROOT + "/b/x", ROOT + "/b/y")) {
      if (raw.exists(path, false) == null) {
        PortableWrites.createWithParents(raw, path, utf8(path), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      }
    }
    return zk;
  }

  /** A sink that makes one write when the walk hands it {@code trigger}. */
  private static ZNodeSink writingWhenSeen(List<ZNode> out, String trigger, ZkWrite write) {
    return node -> {
      out.add(node);
      if (node.relativePath().equals(trigger)) {
        try {
          write.run();
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
    };
  }

  private interface ZkWrite {
    void run() throws Exception;
  }

  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.5.10"})
  void aQuietTreeIsProvenConsistent(String version) throws Exception {
    try (CuratorFramework zk = connect(version)) {
      List<ZNode> read = new ArrayList<>();
      new StateSnapshotter(zk).snapshot(ROOT, read::add, true);
      assertThat(read).extracting(ZNode::relativePath)
          .containsExactlyInAnyOrder("", "/a", "/a/1", "/b", "/b/x", "/b/y");
      assertThat(zk.checkExists().forPath("/marathon/" + ZxidMark.NODE_NAME)).isNotNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.5.10"})
  void changesToNodesNotYetReadFailTheSnapshot(String version) throws Exception {
    try (CuratorFramework zk = connect(version)) {
      ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
      List<ZkWrite> writes = List.of(
          () -> raw.setData(ROOT + "/b/x", utf8("changed"), -1),
          () -> raw.delete(ROOT + "/b/y", -1),
          () -> raw.create(ROOT + "/b/z", utf8("new"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
          () -> { // deleted and re-created with the same data: only its zxids tell
            raw.delete(ROOT + "/b/x", -1);
            raw.create(ROOT + "/b/x", utf8(ROOT + "/b/x"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
          });
      for (ZkWrite write : writes) {
        try (CuratorFramework fresh = connect(version)) {
          assertThatThrownBy(() -> new StateSnapshotter(fresh).snapshot(ROOT,
              writingWhenSeen(new ArrayList<>(), "", write), true))
              .isInstanceOf(StateChangedException.class).hasMessageContaining("after the walk began");
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.5.10"})
  void aChangeToANodeAlreadyReadLeavesTheSnapshotAtTheMark(String version) throws Exception {
    try (CuratorFramework zk = connect(version)) {
      List<ZNode> before = new ArrayList<>();
      new StateSnapshotter(zk).snapshot(ROOT, before::add, true);
      ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
      List<ZNode> read = new ArrayList<>();
      // The root is read (data and children) before any node below it is handed to the sink.
      new StateSnapshotter(zk).snapshot(ROOT, writingWhenSeen(read, "/a/1", () -> {
        raw.setData(ROOT, utf8("changed after it was read"), -1);
        raw.create(ROOT + "/c", utf8("created after the root was listed"), ZooDefs.Ids.OPEN_ACL_UNSAFE,
            CreateMode.PERSISTENT);
      }), true);
      assertThat(read).containsExactlyInAnyOrderElementsOf(before);
    }
  }
}
