package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.zookeeper.PortableWrites;
import io.dcos.backup.zookeeper.ZkTarget;
import io.dcos.backup.zookeeper.ZNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Three simulated Marathons electing under {@code <base>/marathon-on-tree/marathon}, the bench's tree in their state
 * (under {@code state/ballast}, which the simulator leaves alone), apps posted through their REST API whose instances
 * the leader keeps updating under {@code state/instance} at a steady rate, and the engine pointed at them as the
 * operator would be: what the fenced figures (leaderless time, S3 next to local disk) are measured on.
 */
final class MarathonOnTree implements AutoCloseable {
  /**
   * The leader updates one instance at a time, in turn, {@code leaderWritesPerSecond} times a second, as status
   * updates arriving one by one would have it: with that many apps (one instance each), every instance is updated
   * about once a second, so the nodes written in a window grow with it up to one a write.
   */
  private static final Duration INSTANCE_UPDATED_EVERY = Duration.ofSeconds(1);

  private static SimulatorOptions marathon(Duration writeInterval) {
    return new SimulatorOptions(Duration.ofMillis(200), writeInterval, Duration.ofMillis(100),
        Optional.of(MarathonTree.DIGEST_USER), Optional.empty()).withInstancesPerWrite(1);
  }

  /** How many apps (one instance each) the leader updates: 0 for an idle leader. */
  static int appsFor(int writesPerSecond) {
    return writesPerSecond <= 0 ? 0
        : (int) Math.max(1, Math.round(writesPerSecond * (INSTANCE_UPDATED_EVERY.toMillis() / 1000.0)));
  }

  /** The interval between two instance writes of the leader (without apps, it writes nothing at all). */
  static Duration writeIntervalFor(int writesPerSecond) {
    return writesPerSecond <= 0 ? INSTANCE_UPDATED_EVERY : Duration.ofNanos(Math.round(1e9 / writesPerSecond));
  }

  private final ZooKeeper zk;
  private final String root;
  private final MarathonTree tree;
  private final MarathonSimulator simulator;
  private final BackupService service;
  private final int apps;

  private MarathonOnTree(ZooKeeper zk, String root, MarathonTree tree, MarathonSimulator simulator,
      BackupService service, int apps) {
    this.zk = zk;
    this.root = root;
    this.tree = tree;
    this.simulator = simulator;
    this.service = service;
    this.apps = apps;
  }

  /**
   * {@code election}: Marathon's own (Curator 4.0.1) where the server speaks only ZooKeeper 3.4's requests;
   * {@code leaderWritesPerSecond}: the instance updates the leader writes while it leads (0: an idle leader).
   */
  static MarathonOnTree start(ZooKeeper zk, String connectString, String base, MarathonTree tree, Path work,
      Election election, int leaderWritesPerSecond) throws Exception {
    String root = base + "/marathon-on-tree";
    String marathon = root + "/marathon";
    PortableWrites.createWithParents(zk, marathon, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    MarathonSimulator simulator = null;
    try {
      int apps = appsFor(leaderWritesPerSecond);
      simulator = MarathonSimulator.start(connectString, marathon, 3,
          marathon(writeIntervalFor(leaderWritesPerSecond)), election, ReleaseJars.inUserCache());
      awaitLeader(simulator);
      postApps(simulator.anyUrl(), apps);
      Baselines.Count written = Baselines.rawBatchedWrite(zk, marathon + "/state/ballast", tree.nodes(), 500,
          512 * 1024, 8);
      if (written.nodes() != tree.measure()[0]) {
        throw new IllegalStateException("wrote " + written.nodes() + " nodes of the tree into Marathon's state");
      }
      TargetConfig config = new TargetConfig(new ZkTarget(connectString, marathon,
          Optional.of(MarathonTree.DIGEST_USER)), simulator.anyUrl(), MarathonCredentials.none(), work,
          FenceOptions.defaults(), Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(10));
      return new MarathonOnTree(zk, root, tree, simulator, new BackupService(config), apps);
    } catch (Exception | Error e) {
      if (simulator != null) {
        simulator.close();
      }
      removeAfterMarathonsLeft(zk, root);
      throw e;
    }
  }

  BackupService service() {
    return service;
  }

  /**
   * Gives every {@code nth} node of the tree in Marathon's state other data, as a bad upgrade might: what a restore
   * of an earlier backup then has to write back. Returns how many nodes were changed.
   */
  long changeEvery(int nth, int round) throws Exception {
    String ballast = root + "/marathon/state/ballast";
    byte[] data = ("changed in round " + round).getBytes(StandardCharsets.UTF_8);
    List<Op> batch = new ArrayList<>();
    long index = 0;
    long changed = 0;
    for (Iterator<ZNode> nodes = tree.nodes(); nodes.hasNext(); index++) {
      ZNode n = nodes.next();
      if (index % nth != round % nth || n.relativePath().isEmpty()) {
        continue;
      }
      batch.add(Op.setData(n.absolutePath(ballast), data, -1));
      changed++;
      if (batch.size() == 500) {
        zk.multi(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      zk.multi(batch);
    }
    return changed;
  }

  void awaitLeader() throws InterruptedException {
    awaitLeader(simulator);
  }

  /** Apps whose instances the leader updates (one each). */
  int apps() {
    return apps;
  }

  /** Instance updates written by the leaders since the Marathons started. */
  long leaderWrites() {
    return simulator.instanceWrites();
  }

  /**
   * Waits for a leader that has written a full pass of its instances since this call: an operation that starts
   * then meets a leader writing at its steady rate, not one still loading or just elected.
   */
  void awaitBusyLeader() throws InterruptedException {
    awaitLeader(simulator);
    if (apps == 0) {
      return;
    }
    long from = simulator.instanceWrites();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (simulator.instanceWrites() - from < apps) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the simulated Marathon leader wrote no instance updates within 60 s");
      }
      Thread.sleep(10);
    }
  }

  /** Posts {@code count} apps of one instance each through Marathon's REST API, as a user would. */
  private static void postApps(URI marathon, int count) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 0; i < count; i++) {
      String app = "{\"id\":\"/bench/app-" + i + "\",\"instances\":1,\"cmd\":\"sleep 3600\"}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(marathon.resolve("/v2/apps"))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(app)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 201) {
        throw new IllegalStateException("POST /v2/apps answered " + r.statusCode() + ": " + r.body());
      }
    }
  }

  private static void awaitLeader(MarathonSimulator sim) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (sim.leaderIndex().isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the simulated Marathons elected no leader within 60 s");
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      service.close();
      simulator.close();
    } finally {
      removeAfterMarathonsLeft(zk, root);
    }
  }

  /** Marathons closing their sessions remove their latch nodes while the tree is listed: try again. */
  private static void removeAfterMarathonsLeft(ZooKeeper zk, String path) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        Baselines.deleteTree(zk, path);
        return;
      } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException e) {
        if (attempt == 5) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }
}
