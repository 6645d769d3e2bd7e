package io.dcos.backup.crash;

import static io.dcos.backup.crash.CrashSupport.awaitMarathonLeader;
import static io.dcos.backup.crash.CrashSupport.awaitTerminal;
import static io.dcos.backup.crash.CrashSupport.message;
import static io.dcos.backup.crash.CrashSupport.phase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.MarathonSimulator.WonElection;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.zookeeper.PortableWrites;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator (a child JVM) is SIGKILLed again and again at random points while a restore, and a rollback,
 * write Marathon's state; each time its ZooKeeper session expires and the fence with it, so 3 simulated Marathons
 * compete for the election on the half-written state. Marathon's own storage-version check must refuse it every
 * time: no instance may answer elected:true on a state other than the one before the restore or the backup. When the
 * operator comes back the Restore finishes (or rolls back) and a Marathon leads on the state its status names.
 *
 * <p>"The state" is a ballast subtree under {@code state/} the simulator never writes: every node carries its
 * version's tag, so the probe each elected simulator runs (with its own session, before answering elected) tells a
 * whole state from a mix.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GuardedRestoreKill {
  private static final Duration BOUND = Duration.ofSeconds(90);
  private static final int NODES = 4000;
  private static final String SESSION_SECONDS = "4";

  /** Static: JUnit fills instance fields only after the class-level setup has run. */
  @TempDir
  static Path work;
  private final int killsPerRestore;
  private EmbeddedWorld world;
  private MarathonSimulator simulator;
  private KubernetesClient client;
  private CuratorFramework zk;
  private String state;
  private String ballast;
  private ChildOperator operator;
  private int starts;
  private int kills;
  private final Random random = new Random(14);
  private final List<String> report = new ArrayList<>();
  private final ReentrantReadWriteLock ballastRewrite = new ReentrantReadWriteLock();

  GuardedRestoreKill(int killsPerRestore) {
    this.killsPerRestore = killsPerRestore;
  }

  /** ZooKeeper and Marathon's election for the world; the rest (3 Marathons, fence timeouts) is set here. */
  abstract EmbeddedWorld.Builder platform() throws Exception;

  @BeforeAll
  void startWorld() throws Exception {
    world = platform()
        .withOperator(false)
        .marathonInstances(3)
        .fenceOptions(TestFences.SANDBOX)
        .backupDirectory(work.resolve("backups"))
        .start();
    simulator = world.simulator().orElseThrow();
    client = world.client();
    zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15));
    state = world.zookeeper().statePath();
    ballast = state + "/kill-test-ballast";
    awaitMarathonLeader(world.marathonUrl(), MarathonCredentials.none(), BOUND);
  }

  @AfterAll
  void stopWorld() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (zk != null) {
      zk.close();
    }
    if (world != null) {
      world.close();
    }
    System.out.println(getClass().getSimpleName() + ":\n  " + String.join("\n  ", report));
  }

  @Test
  void noMarathonEverLeadsOnAHalfWrittenStateHoweverOftenTheOperatorIsKilled() throws Exception {
    String ns = CrashSupport.createNamespace(client, "guard");
    startOperator();
    writeBallast("A", NODES, false);
    // From here on every election is probed. The first one, at the world's start, may come after its HTTP is up: it
    // found no ballast yet, which says nothing about the operator.
    simulator.probeElections(this::probe);
    String backupA = takeBackup(ns, "of-a", "kill-a");
    writeBallast("F", NODES / 2, true); // a backup whose restore fails near its end: "locked" refuses its child
    String backupF = takeBackup(ns, "of-f", "kill-f");

    long start = System.nanoTime();
    int killsBefore = kills;
    // Forward restores until 2 restores' worth of kills landed (a kill after the final batch ends a restore early), then a rollback.
    for (int i = 0; kills - killsBefore < 2 * killsPerRestore; i++) {
      String before = "B" + i;
      writeBallast(before, NODES + 100, false);
      Restore ended = restoreWithKills(ns, "forward-" + i, backupA, false);
      assertEndsOn(ended, "A", before);
    }
    // Then rollbacks until 3 restores' worth in all (a kill after the rollback's final batch ends it early).
    for (int j = 0; j == 0 || kills - killsBefore < 3 * killsPerRestore; j++) {
      String before = "C" + j;
      writeBallast(before, NODES + 100, false);
      Restore ended = restoreWithKills(ns, "rollback-" + j, backupF, true);
      assertEndsOn(ended, "F", before);
      assertThat(phase(ended)).as("a restore of F can only fail and roll back: %s", message(ended))
          .isEqualTo(Phase.STATUS_ERROR);
    }

    List<WonElection> elections = simulator.electionLog();
    List<WonElection> mixed = elections.stream().filter(e -> e.fingerprint() != null
        && e.fingerprint().startsWith("MIXED")).toList();
    long refused = elections.stream().filter(WonElection::refused).count();
    report.add(kills - killsBefore + " kills in " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s; "
        + elections.size() + " elections: " + refused + " refused the guarded state, " + mixed.size()
        + " led on a mixed state");
    assertThat(kills - killsBefore).isGreaterThanOrEqualTo(3 * killsPerRestore - 1);
    assertThat(mixed).as("elections that led on a half-written state").isEmpty();
    assertThat(refused).as("elections on a guarded state must have happened, and been refused").isPositive();
    assertThat(elections.stream().filter(WonElection::refused).map(WonElection::refusal).distinct().toList())
        .allMatch(r -> r.contains(StorageVersion.SENTINEL.toString()) && r.contains("newer than"));
  }

  /**
   * Applies the Restore and kills the operator killsPerRestore times at a random point of a write: each time once
   * a new first batch (sentinel and journal) has committed, after 0 to 400 ms — the first batch, the middle, the
   * last batches, the verification. With {@code rollback}, only kills while the rollback writes count.
   */
  private Restore restoreWithKills(String ns, String name, String backupId, boolean rollback)
      throws Exception {
    client.resource(CrashSupport.restore(ns, name, backupId)).create();
    String journal = world.zookeeper().path() + "/backup-operator-restore-journal";
    long lastFirstBatch = -1;
    for (int k = 0; k < killsPerRestore; k++) {
      long seen = lastFirstBatch;
      // A new first batch rewrites the journal: its mzxid moves.
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> {
        Stat s = zk.checkExists().forPath(journal);
        if (s == null || s.getMzxid() == seen) {
          return false;
        }
        return !rollback || new String(zk.getData().forPath(journal), StandardCharsets.UTF_8)
            .contains("\"rollback\":true");
      });
      lastFirstBatch = zk.checkExists().forPath(journal).getMzxid();
      Thread.sleep(random.nextInt(400));
      int electionsBefore = simulator.electionLog().size();
      boolean guardedAtKill = sentinelPresent();
      operator.kill();
      kills++;
      boolean guarded = sentinelPresent();
      if (guarded) {
        // The session expires, the fence goes, Marathons are elected: each must refuse.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
            simulator.electionLog().stream().skip(electionsBefore).anyMatch(WonElection::refused));
      }
      report.add(name + " kill " + (k + 1) + ": " + (guardedAtKill ? "guarded" : "not guarded")
          + (guarded ? ", elections refused" : ", the restore had committed"));
      startOperator();
      if (!guarded) {
        break;
      }
    }
    return awaitTerminal(client, Restore.class, ns, name, Duration.ofSeconds(180));
  }

  private void assertEndsOn(Restore ended, String backupTag, String beforeTag) throws Exception {
    try {
      awaitMarathonLeader(world.marathonUrl(), MarathonCredentials.none(), BOUND);
    } catch (Throwable noLeader) {
      String out = operator.output();
      throw new AssertionError("no Marathon leader after " + ended.getMetadata().getName() + " ended " + phase(ended)
          + " (" + message(ended) + "); sentinel present: " + sentinelPresent() + "; the operator's log ends:\n"
          + out.substring(Math.max(0, out.length() - 6000)), noLeader);
    }
    String expected = phase(ended) == Phase.STATUS_READY ? backupTag : beforeTag;
    assertThat(sentinelPresent()).isFalse();
    String live = fingerprint(zk, state);
    assertThat(live).as("state after %s: %s", phase(ended), message(ended)).isEqualTo(expected);
    List<WonElection> log = simulator.electionLog();
    WonElection last = log.stream().filter(e -> !e.refused()).reduce((a, b) -> b).orElseThrow();
    assertThat(last.fingerprint()).as("the leader loaded the state the status names").isEqualTo(expected);
    report.add(ended.getMetadata().getName() + " -> " + phase(ended) + " (" + expected + "): " + message(ended));
  }

  private boolean sentinelPresent() throws Exception {
    try {
      return StorageVersion.fromNodeData(zk.getData().forPath(state + "/" + StorageVersion.NODE))
          .filter(StorageVersion::isSentinel).isPresent();
    } catch (KeeperException.NoNodeException e) {
      return false;
    }
  }

  private String takeBackup(String ns, String name, String label) {
    client.resource(CrashSupport.backup(ns, name, label)).create();
    Backup b = awaitTerminal(client, Backup.class, ns, name, BOUND);
    assertThat(phase(b)).as("backup %s: %s", name, message(b)).isEqualTo(Phase.STATUS_READY);
    assertThat(b.getStatus().storageVersion()).isEqualTo("Version(110, 100, 0, PERSISTENCE_STORE)");
    return b.getStatus().id();
  }

  private void startOperator() throws Exception {
    operator = ChildOperator.start(world, work, "operator-" + (++starts),
        Map.of("ZK_SESSION_TIMEOUT_SECONDS", SESSION_SECONDS));
  }

  /**
   * The ballast's tag when every node carries it and the count is the tag's own; "MIXED ..." otherwise. With
   * {@code locked}, a node whose ACL lets nobody create children, holding one child: restoring it always fails.
   */
  private void writeBallast(String tag, int count, boolean locked) throws Exception {
    ballastRewrite.writeLock().lock();
    try {
      rewriteBallast(tag, count, locked);
    } finally {
      ballastRewrite.writeLock().unlock();
    }
  }

  private void rewriteBallast(String tag, int count, boolean locked) throws Exception {
    try {
      zk.delete().deletingChildrenIfNeeded().forPath(ballast);
    } catch (KeeperException.NoNodeException ignored) {
      // first time
    }
    // Plain creates (Curator 5's are create2, which a ZooKeeper 3.4 server refuses); multi's creates are plain.
    ZooKeeper z = zk.getZookeeperClient().getZooKeeper();
    PortableWrites.create(z, ballast, (tag + ":" + count + (locked ? ":locked" : "")).getBytes(StandardCharsets.UTF_8),
        ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    List<CuratorOp> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batch.add(zk.transactionOp().create().forPath(ballast + "/node-" + i,
          (tag + ":" + i + ":" + "x".repeat(60)).getBytes(StandardCharsets.UTF_8)));
      if (batch.size() == 500 || i == count - 1) {
        zk.transaction().forOperations(batch);
        batch.clear();
      }
    }
    if (locked) {
      PortableWrites.create(z, ballast + "/locked", tag.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
          CreateMode.PERSISTENT);
      PortableWrites.create(z, ballast + "/locked/child", tag.getBytes(StandardCharsets.UTF_8),
          ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      zk.setACL().withACL(List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.WRITE | ZooDefs.Perms.ADMIN
          | ZooDefs.Perms.DELETE, ZooDefs.Ids.ANYONE_ID_UNSAFE))).forPath(ballast + "/locked");
    }
  }

  /**
   * An elected simulator's probe. The test's own rewrite of the ballast between restores is a mix by construction:
   * an election during it (none is expected, Marathon leads throughout) is told apart rather than called MIXED.
   */
  private String probe(CuratorFramework c, String statePath) throws Exception {
    if (!ballastRewrite.readLock().tryLock()) {
      return "REWRITTEN BY THE TEST";
    }
    try {
      return fingerprint(c, statePath);
    } finally {
      ballastRewrite.readLock().unlock();
    }
  }

  /** Reads the ballast with pipelined getData on the given session (an elected simulator's own). */
  static String fingerprint(CuratorFramework c, String statePath) throws Exception {
    ZooKeeper z = c.getZookeeperClient().getZooKeeper();
    String root = statePath + "/kill-test-ballast";
    byte[] head;
    try {
      head = z.getData(root, false, null);
    } catch (KeeperException.NoNodeException e) {
      return "MIXED: no ballast";
    }
    String[] parts = new String(head, StandardCharsets.UTF_8).split(":");
    String tag = parts[0];
    int count = Integer.parseInt(parts[1]);
    boolean locked = parts.length > 2;
    List<String> children = z.getChildren(root, false);
    int expectedChildren = count + (locked ? 1 : 0);
    if (children.size() != expectedChildren) {
      return "MIXED: " + tag + " with " + children.size() + " children, expected " + expectedChildren;
    }
    Map<String, String> wrong = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(children.size());
    for (String child : children) {
      z.getData(root + "/" + child, false, (rc, path, ctx, data, stat) -> {
        String value = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        if (rc != 0 || !(value.startsWith(tag + ":") || (child.equals("locked") && value.equals(tag)))) {
          wrong.put(child, value);
        }
        done.countDown();
      }, null);
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      return "MIXED: ballast not readable";
    }
    return wrong.isEmpty() ? tag : "MIXED: " + tag + " with " + wrong.size() + " foreign nodes";
  }
}
