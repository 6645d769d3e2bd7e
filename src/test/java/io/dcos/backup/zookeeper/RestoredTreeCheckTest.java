package io.dcos.backup.zookeeper;

import static io.dcos.backup.zookeeper.ZkTestSupport.USER;
import static io.dcos.backup.zookeeper.ZkTestSupport.digestAll;
import static io.dcos.backup.zookeeper.ZkTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verification of a just-restored tree: ACLs proven by the restore's zxids, everything else read. */
class RestoredTreeCheckTest {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static TestingServer server;
  private static CuratorFramework operator;
  private static CuratorFramework intruder; // another session of the same user: a writer the fence failed to stop

  @BeforeAll
  static void start() throws Exception {
    ZkTestSupport.quietZooKeeperLogs();
    server = new TestingServer(true);
    operator = ZkTestSupport.connect(server.getConnectString(), USER);
    intruder = ZkTestSupport.connect(server.getConnectString(), USER);
  }

  @AfterAll
  static void stop() throws Exception {
    operator.close();
    intruder.close();
    server.close();
  }

  private static List<ZNode> tree() {
    List<ACL> own = List.of(digestAll(USER));
    List<ZNode> nodes = new ArrayList<>();
    nodes.add(new ZNode("", null, own));
    nodes.add(new ZNode("/apps", null, own));
    for (int b = 0; b < 16; b++) {
      String bucket = "/apps/" + Integer.toHexString(b);
      nodes.add(new ZNode(bucket, null, own));
      for (int i = 0; i < 40; i++) {
        nodes.add(new ZNode(bucket + "/app" + i, utf8("app " + b + "/" + i), own));
        nodes.add(new ZNode(bucket + "/app" + i + "/2024-01-01T00:00:00.000Z", new byte[600 + i], own));
      }
    }
    nodes.add(new ZNode("/empty", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE));
    return nodes;
  }

  private record Restored(String state, RestoreSummary summary, List<ZNode> nodes) {}

  private static Restored restore() throws Exception {
    String state = "/v" + SEQ.incrementAndGet() + "/marathon/state";
    List<ZNode> nodes = tree();
    RestoreSummary summary = new StateRestorer(operator).restore(state, nodes.iterator(), null);
    return new Restored(state, summary, nodes);
  }

  private static java.util.Optional<String> verify(Restored r) throws Exception {
    return new StateVerifier(operator).compare(r.state(), r.nodes().iterator(), r.summary());
  }

  @Test
  void aFreshRestoreVerifiesWithoutReadingProvenAcls() throws Exception {
    Restored r = restore();
    assertThat(r.summary().transactionZxids()).isNotEmpty();
    assertThat(verify(r)).isEmpty();
    // The same tree through the full comparison agrees.
    assertThat(new StateVerifier(operator).compare(r.state(), r.nodes().iterator())).isEmpty();
  }

  @Test
  void anAclChangedAfterTheRestoreIsRead() throws Exception {
    Restored r = restore();
    String path = r.state() + "/apps/3/app7";
    intruder.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(path);
    assertThat(verify(r)).hasValueSatisfying(d -> assertThat(d).contains("ACL differs at " + path));
  }

  @Test
  void aNodeRecreatedWithTheSameDataButAnotherAclIsCaught() throws Exception {
    Restored r = restore();
    String path = r.state() + "/apps/5/app9/2024-01-01T00:00:00.000Z";
    byte[] data = intruder.getData().forPath(path);
    intruder.delete().forPath(path);
    intruder.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(path, data);
    assertThat(verify(r)).hasValueSatisfying(d -> assertThat(d).contains("ACL differs at " + path)
        .doesNotContain("data differs"));
  }

  @Test
  void changedMissingAndUnexpectedNodesAreNamed() throws Exception {
    Restored r = restore();
    intruder.setData().forPath(r.state() + "/apps/0/app1", utf8("changed"));
    intruder.delete().forPath(r.state() + "/apps/1/app2/2024-01-01T00:00:00.000Z");
    intruder.create().forPath(r.state() + "/apps/2/app3/extra", utf8("x"));
    intruder.create().forPath(r.state() + "/stray", utf8("x"));
    assertThat(verify(r)).hasValueSatisfying(d -> assertThat(d)
        .contains("data differs at " + r.state() + "/apps/0/app1")
        .contains("missing node /apps/1/app2/2024-01-01T00:00:00.000Z")
        .contains("unexpected node " + r.state() + "/apps/2/app3/extra")
        .contains("unexpected node " + r.state() + "/stray"));
  }

  @Test
  void withoutZxidsEveryAclIsRead() throws Exception {
    Restored r = restore();
    String path = r.state() + "/apps/4/app4";
    intruder.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(path);
    RestoreSummary unknown = new RestoreSummary(0, 0, 0, java.time.Duration.ZERO);
    assertThat(new StateVerifier(operator).compare(r.state(), r.nodes().iterator(), unknown))
        .hasValueSatisfying(d -> assertThat(d).contains("ACL differs at " + path));
  }
}
