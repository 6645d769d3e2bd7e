package io.dcos.backup.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.zookeeper.ZkTarget;
import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.zookeeper.ZkConnector;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backup, restore and the fence against real ZooKeeper server releases, each in its own JVM from its Maven Central
 * jars (resolved with `mvn dependency:build-classpath` into target/release-jars the first time; needs Maven Central).
 * Tagged "compat" (downloads, child JVMs) so it can be run alone: mvn test -Dgroups=compat. It is part of mvn verify.
 */
@Tag("compat")
public class OldZooKeeperServersTest {

  private static final String MARATHON_USER = "dcos_marathon:secret";

  /**
   * The whole round trip on each server generation DC/OS and its successors ran, with three Marathons electing with
   * Marathon's own Curator 4.0.1 on a ZooKeeper 3.4.14 client, and DC/OS strict-mode digest ACLs: backup, damage,
   * a restore that fails and rolls back exactly, a restore that brings back every node's data and ACL, a Marathon
   * leading after each. (The fence's "no write while held" is FenceAgainstMarathonElectionTest's.)
   */
  @ParameterizedTest(name = "ZooKeeper {0}")
  @ValueSource(strings = {"3.4.14", "3.5.10", "3.9.5"})
  void backupRestoreAndRollbackWithMarathonsOwnElection(String version) throws Exception {
    try (ZooKeeperProcess server = ZooKeeperProcess.start(serverClasspath(version), "512m", Duration.ofSeconds(60));
         EmbeddedWorld world = SharedWorld.builder(3, "compat-" + version)
             .externalZookeeper("zk://" + server.connectString() + "/marathon")
             .zookeeperCredentials(MARATHON_USER)
             .election(Election.CURATOR_4_0_1)
             .releaseJars(ReleaseJars.underTarget())
             // No instance updates: the state changes only when the test says, so it can be compared byte for byte.
             .simulatorOptions(SimulatorOptions.defaults().withRestartDelay(Duration.ofMillis(300))
                 .withExitDelay(Duration.ofMillis(300)).withWriteInterval(Duration.ofHours(1))
                 .withZkDigest(MARATHON_USER))
             .fenceOptions(TestFences.RELEASES)
             .withKubernetes(false)
             .start();
         CuratorFramework zk = ZkConnector.connect(ZkTarget.parse("zk://" + MARATHON_USER + "@"
             + server.connectString() + "/marathon"), Duration.ofSeconds(15), Duration.ofSeconds(15))) {
      assertThat(server.version()).isEqualTo(version);
      awaitLeader(world);
      for (int i = 0; i < 3; i++) {
        apps(world, "POST", "/v2/apps", "{\"id\":\"/compat/app-" + i + "\",\"cmd\":\"sleep 1\",\"instances\":1}");
      }
      Map<String, String> original = tree(zk, "/marathon/state");
      assertThat(original.values()).allMatch(v -> v.contains("'digest,'dcos_marathon:"), "every node CREATOR_ALL");

      // A node created after the pre-copy's online pass, before the fence: only the watches the walk set (one-shot
      // ones on 3.4 and 3.5) tell the fenced delta to read it.
      String mark = "/marathon/state/compat-precopy-mark";
      BackupOutcome backup = world.service().backup("compat-" + UUID.randomUUID(), "compat", message -> {
        if (message.startsWith("pre-copy of ") && message.contains(" done;")) {
          try {
            zk.getZookeeperClient().getZooKeeper().create(mark, new byte[] {7}, ZooDefs.Ids.CREATOR_ALL_ACL,
                CreateMode.PERSISTENT);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      assertThat(backup.consistency()).isEqualTo(BackupOutcome.Consistency.FENCED);
      assertThat(backup.abdications()).as("standbys moved behind the operator: only the leader abdicates")
          .isEqualTo(1);
      assertThat(backup.preCopy()).as("the state copied before the fence, only what changed read under it")
          .isNotNull();
      assertThat(backup.preCopy().rounds()).isPositive();
      assertThat(backup.preCopy().znodesReread()).as("the mark and its parent re-read under the fence")
          .isPositive().isLessThan(backup.manifest().znodes());
      awaitLeader(world);
      Map<String, String> backedUp = tree(zk, "/marathon/state");
      assertThat(backedUp).containsKey("/compat-precopy-mark");
      Map<String, String> withoutMark = new TreeMap<>(backedUp);
      withoutMark.remove("/compat-precopy-mark");
      assertThat(withoutMark).as("a backup changes nothing but runtime-configuration's zxids").isEqualTo(original);
      // The restore of this backup below must bring the mark back: the archive holds what the fenced delta read.
      original = backedUp;

      // A second backup holds a node the operator may not create children under: restoring it fails near the end.
      String trap = "/marathon/state/compat-trap";
      zk.getZookeeperClient().getZooKeeper().create(trap, new byte[] {1}, ZooDefs.Ids.CREATOR_ALL_ACL,
          CreateMode.PERSISTENT);
      zk.getZookeeperClient().getZooKeeper().create(trap + "/child", new byte[] {2}, ZooDefs.Ids.CREATOR_ALL_ACL,
          CreateMode.PERSISTENT);
      ACL all = zk.getZookeeperClient().getZooKeeper().getACL(trap, new Stat()).get(0);
      zk.getZookeeperClient().getZooKeeper().setACL(trap, new ArrayList<>(List.of(new ACL(
          ZooDefs.Perms.ALL & ~ZooDefs.Perms.CREATE, all.getId()))), -1);
      BackupOutcome trapped = world.service().backup("compat-trap-" + UUID.randomUUID(), "compat",
          ProgressListener.NONE);
      awaitLeader(world);

      // Damage: an app deleted through Marathon, the trap and part of the state deleted behind its back.
      apps(world, "DELETE", "/v2/apps/compat/app-1", null);
      zk.delete().deletingChildrenIfNeeded().forPath(trap);
      String appVersion = original.keySet().stream().filter(p -> p.startsWith("/apps/") && p.contains("app-2/"))
          .findFirst().orElseThrow();
      zk.delete().forPath("/marathon/state" + appVersion);
      awaitLeader(world);
      Map<String, String> damaged = tree(zk, "/marathon/state");
      assertThat(damaged).isNotEqualTo(original);

      assertThatThrownBy(() -> world.service().restore(trapped.manifest().id(), "pre-restore-" + UUID.randomUUID(),
          ProgressListener.NONE))
          .isInstanceOf(OperationFailedException.class).hasMessageContaining("rolled back");
      awaitLeader(world);
      assertThat(tree(zk, "/marathon/state")).as("rolled back: exactly the state before the failed restore")
          .isEqualTo(damaged);

      RestoreOutcome restore = world.service().restore(backup.manifest().id(), "pre-restore-" + UUID.randomUUID(),
          ProgressListener.NONE);
      assertThat(restore.znodes()).isEqualTo(backup.manifest().znodes());
      assertThat(restore.written()).as("a restore writes only what differs from the live state").isNotNull();
      assertThat(restore.written().preCopy()).as("its safety snapshot pre-copied before the fence").isNotNull();
      assertThat(restore.written().znodesWritten()).as("the deleted app and app version written back, not the tree")
          .isPositive().isLessThan(restore.znodes());
      awaitLeader(world);
      assertThat(tree(zk, "/marathon/state")).as("restored: every node's data and ACL as backed up")
          .isEqualTo(original);
      assertThat(apps(world, "GET", "/v2/apps", null)).contains("/compat/app-1");
    }
  }

  /**
   * Path → data and ACL of every node below {@code root}, read with plain calls independent of the operator's code.
   * {@code runtime-configuration} is left out: Marathon rewrites it on every election (to the same value).
   */
  private static Map<String, String> tree(CuratorFramework zk, String root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      String path = todo.pop();
      Stat stat = new Stat();
      byte[] data = raw.getData(path, false, stat);
      List<ACL> acl = raw.getACL(path, new Stat());
      String rel = path.substring(root.length());
      if (!rel.startsWith("/runtime-configuration")) {
        out.put(rel, java.util.HexFormat.of().formatHex(data == null ? new byte[0] : data) + " " + acl);
      }
      for (String child : raw.getChildren(path, false)) {
        todo.push(path + "/" + child);
      }
    }
    return out;
  }

  /** The server's jars and their dependencies, resolved by Maven once and cached under target/release-jars. */
  public static String serverClasspath(String version) throws IOException, InterruptedException {
    return ReleaseJars.underTarget().zooKeeperServer(version);
  }

  private static void awaitLeader(EmbeddedWorld world) throws InterruptedException {
    for (int i = 0; i < 400 && world.simulator().orElseThrow().leaderIndex().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(world.simulator().orElseThrow().leaderIndex()).isPresent();
  }

  private static String apps(EmbeddedWorld world, String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(world.marathonUrl() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int attempt = 0; ; attempt++) {
      String failure;
      try {
        HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() < 300) {
          return r.body();
        }
        failure = "answered " + r.statusCode() + ": " + r.body(); // 502/503 while a leader loads
      } catch (java.net.ConnectException restarting) {
        failure = "refused the connection"; // the configured instance is the one that abdicated and restarts
      }
      if (attempt > 100) {
        throw new IOException(method + " " + path + " " + failure);
      }
      Thread.sleep(100);
    }
  }
}
