package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.testing.ZkTrees;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * ZooKeeper (one server or an ensemble, reached by the operator through {@link ZkFaultProxy}s), a one-instance
 * Marathon simulator that elects itself and then writes nothing (no apps), and a {@link BackupService} with short
 * fence timeouts. Trees are built and compared with plain ZooKeeper calls over a direct admin connection,
 * independent of the code under test.
 *
 * <p>A JUnit 5 extension: register it on a static field with {@link #perClass()} (one world for all of a class's
 * tests, started before its {@code @BeforeAll} methods run) or with {@link #perTest()} / {@link #onEnsemble(int)} (a
 * fresh world for each test). Its servers, temporary directory and clients are closed after the class or the test.
 */
final class FaultWorld implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    AutoCloseable {
  static final String STATE = "/marathon/state";
  static final SimulatorOptions SIMULATOR = SimulatorOptions.defaults().withRestartDelay(Duration.ofMillis(200))
      .withExitDelay(Duration.ofMillis(100)).withWriteInterval(Duration.ofMillis(100));
  static final FenceOptions FENCE = TestFences.ENGINE;

  /** world:anyone ALL, ip:127.0.0.1 ALL, and read-only for the world plus ALL from localhost: all writable here. */
  static final List<List<ACL>> ACLS = List.of(ZooDefs.Ids.OPEN_ACL_UNSAFE,
      List.of(new ACL(ZooDefs.Perms.ALL, new Id("ip", "127.0.0.1"))),
      List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE), new ACL(ZooDefs.Perms.ALL,
          new Id("ip", "127.0.0.1"))));

  private final boolean perClass;
  private final int servers;
  private TestingServer server;
  private TestingCluster cluster;
  private final List<InstanceSpec> specs = new ArrayList<>();
  private Path directory;

  String directConnect;
  final List<ZkFaultProxy> proxies = new ArrayList<>();
  CuratorFramework admin;
  MarathonSimulator sim;
  BackupService service;
  final List<String> progress = new CopyOnWriteArrayList<>();
  /** The nodes the simulator created when it was first elected: every tree keeps them so Marathon can load. */
  List<ZNode> marathonLayout;

  private FaultWorld(boolean perClass, int servers) {
    this.perClass = perClass;
    this.servers = servers;
  }

  /** One in-process server and one world for all of a class's tests. */
  static FaultWorld perClass() {
    return new FaultWorld(true, 1);
  }

  /** One in-process server and a fresh world for each test. */
  static FaultWorld perTest() {
    return new FaultWorld(false, 1);
  }

  /** An in-process ensemble of {@code servers}, one proxy per server, and a fresh world for each test. */
  static FaultWorld onEnsemble(int servers) {
    return new FaultWorld(false, servers);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (perClass) {
      start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (perClass) {
      close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      close();
    }
  }

  /** The single server (its data directory holds the transaction log). */
  TestingServer server() {
    return Objects.requireNonNull(server, "this world runs on an ensemble");
  }

  TestingCluster cluster() {
    return Objects.requireNonNull(cluster, "this world runs on one server");
  }

  /** Where the world's BackupService keeps its archives. */
  Path backupDirectory() {
    return directory.resolve("backups");
  }

  /** The ensemble's servers, in the order of {@link #proxies}. */
  List<InstanceSpec> specs() {
    return specs;
  }

  private void start() throws Exception {
    Faults.quietLogs();
    directory = Files.createTempDirectory("fault-world");
    progress.clear();
    proxies.clear();
    specs.clear();
    List<String> proxiedServers;
    if (servers == 1) {
      server = new TestingServer(true);
      directConnect = server.getConnectString();
      proxiedServers = List.of(directConnect);
    } else {
      cluster = new TestingCluster(servers);
      cluster.start();
      specs.addAll(cluster.getInstances());
      directConnect = cluster.getConnectString();
      proxiedServers = specs.stream().map(s -> "127.0.0.1:" + s.getPort()).toList();
    }
    Path backupDir = directory.resolve("backups");
    Duration sessionTimeout = Duration.ofSeconds(10);
    org.apache.zookeeper.client.ZKClientConfig big = new org.apache.zookeeper.client.ZKClientConfig();
    big.setProperty(org.apache.zookeeper.client.ZKClientConfig.JUTE_MAXBUFFER, Integer.toString(64 << 20));
    admin = CuratorFrameworkFactory.builder().connectString(directConnect).sessionTimeoutMs(30_000)
        .connectionTimeoutMs(10_000).retryPolicy(new ExponentialBackoffRetry(100, 10)).zkClientConfig(big).build();
    admin.start();
    admin.blockUntilConnected();
    for (String s : proxiedServers) {
      proxies.add(ZkFaultProxy.forConnectString(s));
    }
    String proxied = String.join(",", proxies.stream().map(ZkFaultProxy::connectString).toList());
    sim = MarathonSimulator.start(directConnect, "/marathon", 1, SIMULATOR);
    awaitElected(Duration.ofSeconds(20));
    marathonLayout = read();
    TargetConfig config = new TargetConfig(ZkTarget.parse("zk://" + proxied + "/marathon"), sim.anyUrl(),
        MarathonCredentials.none(), backupDir, FENCE, sessionTimeout, Duration.ofSeconds(10), Duration.ofSeconds(5));
    service = new BackupService(config);
  }

  ZkFaultProxy proxy() {
    return proxies.get(0);
  }

  void setRule(ZkFaultProxy.Rule rule) {
    for (ZkFaultProxy p : proxies) {
      p.setRule(rule);
    }
  }

  void awaitElected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (sim.leaderIndex().isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Marathon simulator not elected within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  /**
   * Marathon's layout plus {@code bulk} nodes under pods/ (ids and data depend on seed), {@code big} of them ~100 KB,
   * ACLs varied. Root data differs per seed too.
   */
  List<ZNode> tree(int seed, int bulk, int big) {
    Random r = new Random(seed);
    TreeMap<String, ZNode> nodes = new TreeMap<>();
    for (ZNode n : marathonLayout) {
      nodes.put(n.relativePath(), n.relativePath().isEmpty() ? new ZNode("", ("root-" + seed).getBytes(StandardCharsets.UTF_8),
          n.acl()) : n);
    }
    nodes.put("/pods", new ZNode("/pods", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    for (int b = 0; b < 16; b++) {
      String bucket = "/pods/" + Integer.toHexString(b);
      nodes.put(bucket, new ZNode(bucket, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    int made = 0;
    int app = 0;
    while (made < bulk) {
      String id = "/pods/" + Integer.toHexString(app % 16) + "/pod-s" + seed + "-" + app;
      app++;
      nodes.put(id, new ZNode(id, bytes(r, 40 + r.nextInt(200)), ACLS.get(app % ACLS.size())));
      made++;
      for (int v = 0; v < 9 && made < bulk; v++) {
        String version = id + "/2024-0" + (1 + v) + "-1" + (v % 10) + "T10:00:00." + (seed % 1000) + "Z";
        int size = made <= big ? 100_000 + r.nextInt(1000) : 50 + r.nextInt(400);
        nodes.put(version, new ZNode(version, bytes(r, size), ACLS.get((app + v) % ACLS.size())));
        made++;
      }
    }
    // Same paths in both trees, different data and ACLs: a mix is visible even where paths coincide.
    for (int i = 0; i < 50; i++) {
      String p = "/pods/" + Integer.toHexString(i % 16) + "/shared-" + i;
      nodes.put(p, new ZNode(p, ("seed " + seed + " shared " + i).getBytes(StandardCharsets.UTF_8),
          ACLS.get((seed + i) % ACLS.size())));
    }
    return new ArrayList<>(nodes.values()); // sorted paths: parents before children
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** Replaces everything under STATE (and STATE's data and ACL) with {@code nodes}, bypassing the code under test. */
  void put(List<ZNode> nodes) throws Exception {
    ZooKeeper zk = admin.getZookeeperClient().getZooKeeper();
    List<ZNode> existing = ZkTrees.read(zk, STATE);
    ZkTrees.deleteAll(zk, existing.subList(1, existing.size()), STATE); // the first is STATE itself
    List<ZNode> below = new ArrayList<>();
    for (ZNode n : nodes) {
      if (n.relativePath().isEmpty()) {
        zk.setData(STATE, n.data(), -1);
        zk.setACL(STATE, n.acl(), -1);
      } else {
        below.add(n);
      }
    }
    ZkTrees.createAll(zk, below, STATE);
  }

  /** The live tree under STATE, sorted by path. */
  List<ZNode> read() throws Exception {
    ZooKeeper zk = admin.getZookeeperClient().getZooKeeper();
    java.util.concurrent.CountDownLatch synced = new java.util.concurrent.CountDownLatch(1);
    zk.sync(STATE, (rc, p, ctx) -> synced.countDown(), null);
    synced.await();
    List<ZNode> out = ZkTrees.read(zk, STATE);
    out.sort(java.util.Comparator.comparing(ZNode::relativePath));
    return out;
  }

  /** One line per node with its change stamps (mzxid, pzxid, aversion): equal lists mean nothing was written. */
  List<String> stamps() throws Exception {
    ZooKeeper zk = admin.getZookeeperClient().getZooKeeper();
    List<String> out = new ArrayList<>();
    for (ZNode n : ZkTrees.read(zk, STATE)) {
      if (n.relativePath().startsWith("/runtime-configuration")) {
        continue; // Marathon itself stores it back (reset) on every election, as its migration does
      }
      Stat st = zk.exists(n.absolutePath(STATE), false);
      out.add(n.relativePath() + " " + st.getMzxid() + " " + st.getPzxid() + " " + st.getAversion());
    }
    out.sort(String::compareTo);
    return out;
  }

  /** One line per node: path, SHA-256 of data (or null), ACL; equal lists mean byte-for-byte equal trees. */
  static List<String> fingerprint(List<ZNode> nodes) {
    List<String> lines = new ArrayList<>();
    for (ZNode n : nodes) {
      lines.add((n.relativePath().isEmpty() ? "<state>" : n.relativePath()) + " " + sha(n.data()) + " " + n.acl());
    }
    lines.sort(String::compareTo);
    return lines;
  }

  List<String> liveFingerprint() throws Exception {
    return fingerprint(read());
  }

  private static String sha(byte[] data) {
    if (data == null) {
      return "null";
    }
    try {
      return data.length + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Asserts the live tree is exactly one of the two, never a mix; returns which ("A" or "B"). */
  String assertExactlyOneOf(List<String> a, List<String> b) throws Exception {
    List<String> live = liveFingerprint();
    if (live.equals(a)) {
      return "A";
    }
    if (live.equals(b)) {
      return "B";
    }
    List<String> notInA = new ArrayList<>(live);
    notInA.removeAll(a);
    List<String> notInB = new ArrayList<>(live);
    notInB.removeAll(b);
    assertThat(live).as("live state is a mix: %d lines differ from A (e.g. %s), %d from B (e.g. %s)",
        notInA.size(), notInA.stream().limit(3).toList(), notInB.size(), notInB.stream().limit(3).toList())
        .isEqualTo(a);
    return "A";
  }

  @Override
  public void close() {
    closeQuietly(service);
    closeQuietly(sim);
    for (ZkFaultProxy p : proxies) {
      p.close();
    }
    closeQuietly(admin);
    closeQuietly(server);
    closeQuietly(cluster);
    service = null;
    sim = null;
    admin = null;
    server = null;
    cluster = null;
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temporary directory: what is left is the system's to clean
      }
      directory = null;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // Closing after a test: a failure here must not hide the test's own result.
    }
  }
}
