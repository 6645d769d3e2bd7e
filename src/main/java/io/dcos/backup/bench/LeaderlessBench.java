package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.engine.ProgressListener;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * What a fenced backup costs Marathon in leaderless time, with the pre-copy and with the whole snapshot under the
 * fence, on the bench's tree; and what a restore costs. Three simulated Marathons elect under their own path; the
 * tree goes into their {@code state} (under {@code state/ballast}, which the simulator leaves alone), the leader keeps
 * writing its instances while the online copy runs, and the engine backs up as the operator does. Runs alternate
 * between the two ways, so drift on a noisy machine falls on both.
 */
final class LeaderlessBench {
  private static final SimulatorOptions MARATHON = new SimulatorOptions(Duration.ofMillis(200),
      Duration.ofMillis(100), Duration.ofMillis(100), Optional.of(MarathonTree.DIGEST_USER), Optional.empty());

  record Result(List<Duration> whole, List<Duration> preCopy, Duration restore) {
    Duration medianWhole() {
      return median(whole);
    }

    Duration medianPreCopy() {
      return median(preCopy);
    }

    private static Duration median(List<Duration> runs) {
      List<Duration> sorted = runs.stream().sorted().toList();
      return sorted.get(sorted.size() / 2);
    }
  }

  private LeaderlessBench() {}

  /** {@code election}: Marathon's own (Curator 4.0.1) where the server speaks only ZooKeeper 3.4's requests. */
  static Result run(ZooKeeper zk, String connectString, String base, MarathonTree tree, Path work, int rounds,
                    Election election) throws Exception {
    String marathon = base + "/leaderless/marathon";
    PortableWrites.createWithParents(zk, marathon, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    try {
      return measure(zk, connectString, marathon, tree, work, rounds, election);
    } finally {
      removeAfterMarathonsLeft(zk, base + "/leaderless");
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

  private static Result measure(ZooKeeper zk, String connectString, String marathon, MarathonTree tree, Path work,
                                int rounds, Election election) throws Exception {
    try (MarathonSimulator sim = MarathonSimulator.start(connectString, marathon, 3, MARATHON, election,
        ReleaseJars.inUserCache())) {
      awaitLeader(sim);
      Baselines.Count written = Baselines.rawBatchedWrite(zk, marathon + "/state/ballast", tree.nodes(), 500,
          512 * 1024, 8);
      if (written.nodes() != tree.measure()[0]) {
        throw new IllegalStateException("wrote " + written.nodes() + " nodes of the tree into Marathon's state");
      }
      TargetConfig config = new TargetConfig(new ZkTarget(connectString, marathon,
          Optional.of(MarathonTree.DIGEST_USER)), sim.anyUrl(), MarathonCredentials.none(), work, FenceOptions.defaults(),
          Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(10));
      try (BackupService service = new BackupService(config)) {
        List<Duration> whole = new ArrayList<>();
        List<Duration> preCopy = new ArrayList<>();
        String last = null;
        for (int i = 0; i < rounds; i++) {
          whole.add(backup(service, sim, "whole-" + i, BackupOptions.FENCED_WHOLE).marathonLeaderless());
          last = "pre-copy-" + i;
          preCopy.add(backup(service, sim, last, BackupOptions.FENCED).marathonLeaderless());
        }
        awaitLeader(sim);
        Duration restore = service.restore(last, "safety-" + last, RestoreOptions.DEFAULT, ProgressListener.NONE)
            .marathonLeaderless();
        awaitLeader(sim);
        return new Result(whole, preCopy, restore);
      }
    }
  }

  private static BackupOutcome backup(BackupService service, MarathonSimulator sim, String id, BackupOptions options)
      throws Exception {
    awaitLeader(sim);
    BackupOutcome outcome = service.backup(id, "bench", options, ProgressListener.NONE);
    if (outcome.warning() != null) {
      throw new IllegalStateException("backup " + id + ": " + outcome.warning());
    }
    return outcome;
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
}
