package io.dcos.backup.zookeeper;

import static io.dcos.backup.zookeeper.ZkTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.compat.OldZooKeeperServersTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pre-copy against a writer that changes, deletes and re-creates nodes at random while the tree is copied. The
 * writer stops at the "fence point"; its own log of what it wrote, replayed on the tree it started from, is the
 * oracle: the pre-copy's result must equal it byte for byte, and so must an independent read of the live tree.
 */
class PreCopyTest {
  private static final String ROOT = "/marathon/state";

  @TempDir
  Path dir;

  @BeforeAll
  static void quiet() {
    ZkTestSupport.quietZooKeeperLogs();
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void randomWritesDuringTheCopyEndInTheTreeAtTheFencePoint(boolean persistentWatch) throws Exception {
    try (TestingServer server = new TestingServer()) {
      for (long seed = 1; seed <= 4; seed++) {
        runAgainstRandomWriter(server.getConnectString(), persistentWatch, seed);
      }
    }
  }

  @Tag("compat")
  @Test
  void randomWritesOnZooKeeper34() throws Exception {
    try (ZooKeeperProcess server = ZooKeeperProcess.start(OldZooKeeperServersTest.serverClasspath("3.4.14"), "512m",
        java.time.Duration.ofSeconds(60))) {
      for (long seed = 11; seed <= 13; seed++) {
        runAgainstRandomWriter(server.connectString(), false, seed);
      }
    }
  }

  /**
   * A server of a 3-server ensemble killed while the pre-copy's session reads from it: the client moves to another
   * server within its session. One-shot watches are re-registered there and the result is still exact; a
   * persistent watch's missed events are not replayed, so that pre-copy says it is lost (the backup then snapshots
   * under the fence).
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aServerKilledDuringThePass(boolean persistentWatch) throws Exception {
    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      try (CuratorFramework setup = ZkTestSupport.connect(cluster.getConnectString(), null)) {
        Map<String, byte[]> tree = buildTree(setup, new Random(7), 1_500);
        try (CuratorFramework own = ZkTestSupport.connect(cluster.getConnectString(), null);
             RandomWriter writer = new RandomWriter(setup.getZookeeperClient().getZooKeeper(), tree, new Random(8))) {
          writer.start();
          AtomicBoolean killed = new AtomicBoolean();
          Thread killer = new Thread(() -> {
            try {
              Thread.sleep(50);
              InstanceSpec connected = cluster.findConnectionInstance(own.getZookeeperClient().getZooKeeper());
              cluster.killServer(connected);
              killed.set(true);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }, "server-killer");
          killer.start();
          PreCopy copy = PreCopy.copyOnline(own, ROOT, dir.resolve("spool-kill-" + persistentWatch), persistentWatch);
          killer.join();
          try (copy) {
            copy.refreshOnline(3);
            writer.stopAndJoin();
            assertThat(killed).isTrue();
            if (persistentWatch) {
              assertThatThrownBy(copy::finishUnderFence).isInstanceOf(ConsistencyUnprovableException.class)
                  .hasMessageContaining("persistent watch");
            } else {
              copy.finishUnderFence();
              Map<String, byte[]> result = written(copy);
              assertThat(result).as("pre-copy against the live tree").isEqualTo(live(own));
              assertThat(writer.possible()).as("pre-copy against the writer's log").contains(result);
            }
          }
        }
      }
    }
  }

  /**
   * The pre-copy's session moved to another server between the online pass and the fence, while the writer goes on:
   * a second handle connects to another server with the session's id and password, as a client that reconnects
   * elsewhere does, then goes silent. The pre-copy's own client loses its connection when its server learns the
   * session is owned elsewhere, reconnects and takes the session back. With one-shot watches (registered again on
   * reconnection, with the zxid last seen) the result is still exactly the tree at the fence point; a persistent
   * watch ends exact too, or says it is lost — never a wrong copy.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aSessionMovedToAnotherServerDuringThePreCopy(boolean persistentWatch) throws Exception {
    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      try (CuratorFramework setup = ZkTestSupport.connect(cluster.getConnectString(), null)) {
        Map<String, byte[]> tree = buildTree(setup, new Random(9), 1_500);
        ZooKeeper thief = null;
        try (CuratorFramework own = ZkTestSupport.connect(cluster.getConnectString(), null);
             RandomWriter writer = new RandomWriter(setup.getZookeeperClient().getZooKeeper(), tree, new Random(10))) {
          ZooKeeper ownZk = own.getZookeeperClient().getZooKeeper();
          InstanceSpec home = cluster.findConnectionInstance(ownZk);
          InstanceSpec away = cluster.getInstances().stream().filter(i -> !i.equals(home)).findFirst().orElseThrow();
          writer.start();
          try (PreCopy copy = PreCopy.copyOnline(own, ROOT, dir.resolve("spool-moved-" + persistentWatch),
              persistentWatch)) {
            writer.awaitWrites(100);
            java.util.concurrent.CountDownLatch moved = new java.util.concurrent.CountDownLatch(1);
            thief = new ZooKeeper("127.0.0.1:" + away.getPort(), 30_000, e -> {
              if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                moved.countDown();
              }
            }, ownZk.getSessionId(), ownZk.getSessionPasswd());
            assertThat(moved.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the session moved").isTrue();
            // The second handle goes silent without closing the session (no closeSession is sent): the session moved
            // once. The pre-copy's client, told by its server that the session is owned elsewhere, reconnects and
            // takes it back, registering its watches again.
            thief.getTestable().injectSessionExpiration();
            try {
              writer.awaitWrites(300);
              copy.refreshOnline(3);
              writer.stopAndJoin();
              copy.finishUnderFence();
            } catch (ConsistencyUnprovableException e) {
              assertThat(persistentWatch).as("one-shot watches survive a moved session: %s", e).isTrue();
              assertThat(e).hasMessageContaining("persistent watch");
              return;
            }
            Map<String, byte[]> result = written(copy);
            assertThat(copy.rereadZnodes()).as("nodes re-read after the move").isPositive();
            assertThat(result).as("pre-copy against the live tree").isEqualTo(live(setup));
            assertThat(writer.possible()).as("pre-copy against the writer's log").contains(result);
          }
        } finally {
          if (thief != null) {
            thief.close(); // after the pre-copy's own client closed the session
          }
        }
      }
    }
  }

  private void runAgainstRandomWriter(String connectString, boolean persistentWatch, long seed) throws Exception {
    try (CuratorFramework setup = ZkTestSupport.connect(connectString, null);
         CuratorFramework own = ZkTestSupport.connect(connectString, null)) {
      Map<String, byte[]> tree = buildTree(setup, new Random(seed), 3_000);
      ZooKeeper ownSession = own.getZookeeperClient().getZooKeeper();
      try (RandomWriter writer = new RandomWriter(setup.getZookeeperClient().getZooKeeper(), tree, new Random(seed))) {
        writer.start();
        try (PreCopy copy = PreCopy.copyOnline(own, ROOT, dir.resolve("spool-" + seed + "-" + persistentWatch),
            persistentWatch, true)) {
          // The walk of a few thousand nodes is quick: let the writer go on into the online rounds too.
          writer.awaitWrites(300);
          copy.refreshOnline(3);
          writer.awaitWrites(400);
          writer.stopAndJoin(); // the fence point: nothing writes from here on
          copy.finishUnderFence();
          Map<String, byte[]> result = written(copy);
          assertThat(writer.writes()).as("writes made while the tree was copied").isGreaterThanOrEqualTo(400);
          assertThat(copy.rereadZnodes()).as("nodes re-read (seed %d)", seed).isPositive();
          assertThat(result).as("pre-copy against the writer's log (seed %d)", seed).isEqualTo(writer.expected());
          assertThat(result).as("pre-copy against the live tree (seed %d)", seed).isEqualTo(live(own));
          // What was copied and re-read stays readable once the session is ending, as an archive is written then.
          copy.endSessionInBackground();
          assertThat(written(copy)).as("pre-copy written while its session ends (seed %d)", seed).isEqualTo(result);
          // A restore diffs against the index, made during the walk and brought up to date with the re-reads.
          TreeIndex streamed = new TreeIndex();
          copy.writeTo(streamed::add);
          assertThat(streamed.differencesFrom(copy.index(), ROOT)).as("index against the stream (seed %d)", seed)
              .isEmpty();
          assertThat(Files.list(dir).filter(p -> p.getFileName().toString().contains("spool-" + seed))).hasSize(1);
        }
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().contains("spool-" + seed))).isEmpty();
        assertThat(ownSession.getState()).as("the session's end awaited by close").isEqualTo(ZooKeeper.States.CLOSED);
      }
    }
  }

  /** Relative path to data ("" for no data) of what the pre-copy writes, in order, checking parents come first. */
  private static Map<String, byte[]> written(PreCopy copy) throws Exception {
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    copy.writeTo(node -> {
      String rel = node.relativePath();
      if (!rel.isEmpty()) {
        assertThat(out).as("parent of %s written before it", rel).containsKey(rel.substring(0, rel.lastIndexOf('/')));
      }
      assertThat(out).doesNotContainKey(rel);
      out.put(rel, node.data() == null ? new byte[0] : node.data());
    });
    return new ByteMap(out);
  }

  private static Map<String, byte[]> live(CuratorFramework zk) throws Exception {
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    for (ZNode n : ZkTestSupport.snapshot(zk, ROOT)) {
      out.put(n.relativePath(), n.data() == null ? new byte[0] : n.data());
    }
    return new ByteMap(out);
  }

  /** Builds a fresh tree under ROOT (apps with versions, like Marathon's) and returns it as relative path → data. */
  private static Map<String, byte[]> buildTree(CuratorFramework zk, Random random, int apps) throws Exception {
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    if (raw.exists(ROOT, false) != null) {
      zk.delete().deletingChildrenIfNeeded().forPath(ROOT);
    }
    TreeMap<String, byte[]> tree = new TreeMap<>();
    tree.put("", new byte[0]);
    PortableWrites.createWithParents(raw, ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    List<org.apache.zookeeper.Op> ops = new ArrayList<>();
    for (String bucket : List.of("/apps", "/instance")) {
      ops.add(org.apache.zookeeper.Op.create(ROOT + bucket, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
          CreateMode.PERSISTENT));
      tree.put(bucket, new byte[0]);
    }
    for (int i = 0; i < apps; i++) {
      String app = "/apps/app-" + i;
      byte[] data = utf8("app " + i + " " + random.nextInt());
      ops.add(org.apache.zookeeper.Op.create(ROOT + app, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
      tree.put(app, data);
      if (i % 3 == 0) {
        String version = app + "/v1";
        ops.add(org.apache.zookeeper.Op.create(ROOT + version, data, ZooDefs.Ids.OPEN_ACL_UNSAFE,
            CreateMode.PERSISTENT));
        tree.put(version, data);
      }
      if (ops.size() >= 500) {
        raw.multi(ops);
        ops.clear();
      }
    }
    if (!ops.isEmpty()) {
      raw.multi(ops);
    }
    return tree;
  }

  /**
   * Writes at random until stopped, logging every write it made; {@link #expected()} replays the log on the tree it
   * started from. Each write is synchronous, so a write in the log has been applied when the writer stops.
   */
  private static final class RandomWriter implements AutoCloseable {
    private final ZooKeeper zk;
    private final TreeMap<String, byte[]> start;
    private final Random random;
    private final List<Object[]> log = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger failures = new AtomicInteger();
    private Thread thread;
    private String describeLast;
    private String lastPath;
    private byte[] lastData;
    private volatile Object[] uncertain;

    private void attempt(String op, String path, byte[] data) {
      describeLast = op;
      lastPath = path;
      lastData = data;
    }

    RandomWriter(ZooKeeper zk, Map<String, byte[]> start, Random random) {
      this.zk = zk;
      this.start = new TreeMap<>(start);
      this.random = random;
    }

    void start() {
      thread = new Thread(this::run, "random-writer");
      thread.start();
    }

    private void run() {
      TreeMap<String, byte[]> now = new TreeMap<>(start);
      List<String> paths = new ArrayList<>(now.keySet());
      int counter = 0;
      while (!stop.get()) {
        String target = paths.get(random.nextInt(paths.size()));
        if (target.isEmpty() || !now.containsKey(target)) {
          continue;
        }
        try {
          int kind = random.nextInt(10);
          byte[] data = utf8("w" + counter++);
          boolean leaf = now.subMap(target + "/", target + "0").isEmpty();
          if (kind < 5) {
            attempt("set", target, data);
            zk.setData(ROOT + target, data, -1);
            record("set", target, data, now);
          } else if (kind < 7) {
            String child = target + "/n" + counter;
            attempt("create", child, data);
            zk.create(ROOT + child, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            record("create", child, data, now);
            paths.add(child);
          } else if (kind < 9 && leaf && !target.equals("/apps") && !target.equals("/instance")) {
            attempt("delete", target, null);
            zk.delete(ROOT + target, -1);
            record("delete", target, null, now);
          } else if (leaf && !target.equals("/apps") && !target.equals("/instance")) {
            // deleted and re-created with the same data: only zxids and watches tell. Logged as two writes, so that a
            // connection lost on the second leaves the first in the log and only the re-creation uncertain.
            byte[] same = now.get(target);
            attempt("delete", target, null);
            zk.delete(ROOT + target, -1);
            record("delete", target, null, now);
            attempt("recreate", target, same);
            zk.create(ROOT + target, same, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            record("recreate", target, same, now);
          }
        } catch (KeeperException.NoNodeException | KeeperException.NodeExistsException
                 | KeeperException.NotEmptyException raced) {
          failures.incrementAndGet();
        } catch (KeeperException.ConnectionLossException e) {
          // A killed server: this write may or may not have been applied. Stop writing; the oracle allows both.
          uncertain = new Object[] {describeLast, lastPath, lastData};
          return;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    private void record(String op, String path, byte[] data, TreeMap<String, byte[]> now) {
      synchronized (log) {
        log.add(new Object[] {op, path, data});
      }
      if (op.equals("delete")) {
        now.remove(path);
      } else {
        now.put(path, data);
      }
    }

    void awaitWrites(int count) throws InterruptedException {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (writes() < count && thread.isAlive() && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
    }

    int writes() {
      synchronized (log) {
        return log.size();
      }
    }

    void stopAndJoin() throws InterruptedException {
      stop.set(true);
      thread.join();
    }

    /** The tree the log says; with the write a lost connection left uncertain, if any, applied too. */
    List<Map<String, byte[]>> possible() {
      Map<String, byte[]> without = expected();
      if (uncertain == null) {
        return List.of(without);
      }
      TreeMap<String, byte[]> with = new TreeMap<>(without);
      if (uncertain[0].equals("delete")) {
        with.remove((String) uncertain[1]);
      } else {
        with.put((String) uncertain[1], (byte[]) uncertain[2]);
      }
      return List.of(without, new ByteMap(with));
    }

    Map<String, byte[]> expected() {
      TreeMap<String, byte[]> tree = new TreeMap<>(start);
      synchronized (log) {
        for (Object[] entry : log) {
          if (entry[0].equals("delete")) {
            tree.remove((String) entry[1]);
          } else {
            tree.put((String) entry[1], (byte[]) entry[2]);
          }
        }
      }
      return new ByteMap(tree);
    }

    @Override
    public void close() throws InterruptedException {
      if (thread != null) {
        stopAndJoin();
      }
    }
  }

  /** A path → data map whose equality compares the bytes, so AssertJ can compare two of them. */
  private static final class ByteMap extends TreeMap<String, byte[]> {
    ByteMap(Map<String, byte[]> from) {
      super(from);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Map<?, ?> other) || other.size() != size()) {
        return false;
      }
      for (Map.Entry<String, byte[]> e : entrySet()) {
        if (!(other.get(e.getKey()) instanceof byte[] b) || !java.util.Arrays.equals(b, e.getValue())) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return keySet().hashCode();
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("{");
      forEach((k, v) -> sb.append(k).append('=').append(new String(v, java.nio.charset.StandardCharsets.UTF_8))
          .append(", "));
      return sb.append('}').toString();
    }
  }
}
