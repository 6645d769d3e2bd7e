package io.dcos.backup.zookeeper;

import static io.dcos.backup.zookeeper.ZkTestSupport.USER;
import static io.dcos.backup.zookeeper.ZkTestSupport.digestAll;
import static io.dcos.backup.zookeeper.ZkTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.compat.OldZooKeeperServersTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshot, restore (with its fencing token and its node too big to share a batch) and verification on real server
 * processes of every generation, 3.4.14 (DC/OS's) included. A 3.4 server answers a request it does not know with
 * UNIMPLEMENTED and then drops the connection, so "the connection never dropped" is the proof that only requests
 * 3.4 knows were sent.
 */
@Tag("compat")
class PortableRequestsTest {

  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.9.5"})
  void roundTripWithDigestAclsUsesOnlyRequestsTheServerKnows(String version) throws Exception {
    ZkTestSupport.quietZooKeeperLogs();
    try (ZooKeeperProcess server = ZooKeeperProcess.start(OldZooKeeperServersTest.serverClasspath(version), "512m",
        Duration.ofSeconds(60));
         CuratorFramework zk = ZkTestSupport.connect(server.connectString(), USER)) {
      assertThat(server.version()).isEqualTo(version);
      List<ConnectionState> states = Collections.synchronizedList(new ArrayList<>());
      zk.getConnectionStateListenable().addListener((c, state) -> states.add(state));
      var raw = zk.getZookeeperClient().getZooKeeper();

      // Not List.of: ZooKeeper checks ACL lists with contains(null), which immutable lists answer with an NPE.
      List<ACL> marathonAcl = new ArrayList<>(List.of(digestAll(USER),
          new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)));
      String root = "/marathon/state";
      PortableWrites.createWithParents(raw, root, new byte[0], marathonAcl, CreateMode.PERSISTENT);
      // Sorted by path: the root first, every parent before its children, as an archive streams them.
      java.util.TreeMap<String, ZNode> tree = new java.util.TreeMap<>();
      java.util.function.BiConsumer<String, byte[]> add = (path, data) -> tree.put(path, new ZNode(path, data,
          marathonAcl));
      add.accept("", null);
      add.accept("/apps", null);
      add.accept("/group", null);
      for (int app = 0; app < 40; app++) {
        String bucket = "/apps/" + Integer.toHexString(app % 16);
        add.accept(bucket, null);
        add.accept(bucket + "/app-" + app, utf8("{\"id\":\"/app-" + app + "\"}"));
        add.accept(bucket + "/app-" + app + "/2026-12-01T00:00:00.00" + (app % 10) + "Z", utf8("v" + app));
      }
      add.accept("/internal:storage:version", new byte[] {8, 1, 16, 10, 24, 17, 32, 1});
      // Too big to share a multi() with the fence check: written alone with the plain create.
      add.accept("/group/big", new byte[1_048_000]);
      List<ZNode> archive = new ArrayList<>(tree.values());

      String fencePath = PortableWrites.create(raw, "/fence-", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
          CreateMode.EPHEMERAL_SEQUENTIAL);
      Stat fenceStat = raw.exists(fencePath, false);
      // Something to replace: the restore deletes what the archive lacks.
      PortableWrites.createWithParents(raw, root + "/deployment/0/stale", utf8("stale"), marathonAcl,
          CreateMode.PERSISTENT);

      RestoreSummary restored = new StateRestorer(zk).restore(root, archive.iterator(),
          new FenceToken(fencePath, fenceStat.getVersion()));
      assertThat(new StateVerifier(zk).compare(root, archive.iterator(), restored)).isEmpty();

      List<ZNode> read = ZkTestSupport.snapshot(zk, root);
      assertThat(read).extracting(ZNode::relativePath).doesNotContain("/deployment/0/stale");
      assertThat(read).containsExactlyInAnyOrderElementsOf(archive);
      assertThat(raw.getACL(root + "/group/big", new Stat())).containsExactlyInAnyOrderElementsOf(marathonAcl);

      String protectedNode = ProtectedEphemeralNode.create(zk, "/marathon/leader-curator", "latch-", utf8("x"),
          ZooDefs.Ids.OPEN_ACL_UNSAFE);
      assertThat(protectedNode).matches("/marathon/leader-curator/_c_[0-9a-f-]{36}-latch-\\d{10}");
      assertThat(raw.exists(protectedNode, false).getEphemeralOwner()).isEqualTo(raw.getSessionId());

      assertThat(states).as("connection states seen (a request the server does not know costs the connection)")
          .doesNotContain(ConnectionState.SUSPENDED, ConnectionState.LOST);
    }
  }
}
