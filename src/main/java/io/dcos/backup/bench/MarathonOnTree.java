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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Three simulated Marathons electing under {@code <base>/marathon-on-tree/marathon}, the bench's tree in their state
 * (under {@code state/ballast}, which the simulator leaves alone), and the engine pointed at them as the operator
 * would be: what the fenced figures (leaderless time, S3 next to local disk) are measured on.
 */
final class MarathonOnTree implements AutoCloseable {
  private static final SimulatorOptions MARATHON = new SimulatorOptions(Duration.ofMillis(200),
      Duration.ofMillis(100), Duration.ofMillis(100), Optional.of(MarathonTree.DIGEST_USER), Optional.empty());

  private final ZooKeeper zk;
  private final String root;
  private final MarathonSimulator simulator;
  private final BackupService service;

  private MarathonOnTree(ZooKeeper zk, String root, MarathonSimulator simulator, BackupService service) {
    this.zk = zk;
    this.root = root;
    this.simulator = simulator;
    this.service = service;
  }

  /** {@code election}: Marathon's own (Curator 4.0.1) where the server speaks only ZooKeeper 3.4's requests. */
  static MarathonOnTree start(ZooKeeper zk, String connectString, String base, MarathonTree tree, Path work,
      Election election) throws Exception {
    String root = base + "/marathon-on-tree";
    String marathon = root + "/marathon";
    PortableWrites.createWithParents(zk, marathon, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    MarathonSimulator simulator = null;
    try {
      simulator = MarathonSimulator.start(connectString, marathon, 3, MARATHON, election, ReleaseJars.inUserCache());
      awaitLeader(simulator);
      Baselines.Count written = Baselines.rawBatchedWrite(zk, marathon + "/state/ballast", tree.nodes(), 500,
          512 * 1024, 8);
      if (written.nodes() != tree.measure()[0]) {
        throw new IllegalStateException("wrote " + written.nodes() + " nodes of the tree into Marathon's state");
      }
      TargetConfig config = new TargetConfig(new ZkTarget(connectString, marathon,
          Optional.of(MarathonTree.DIGEST_USER)), simulator.anyUrl(), MarathonCredentials.none(), work,
          FenceOptions.defaults(), Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(10));
      return new MarathonOnTree(zk, root, simulator, new BackupService(config));
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

  void awaitLeader() throws InterruptedException {
    awaitLeader(simulator);
  }

  private static void awaitLeader(MarathonSimulator sim) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (sim.leaderIndex().isEmpty()) {
      if (System.nanoTime() > deadline) {
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
