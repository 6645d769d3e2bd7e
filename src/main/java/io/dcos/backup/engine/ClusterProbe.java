package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonInfo;
import io.dcos.backup.zookeeper.ServerFeatures;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * A look at one Marathon without touching its state: ZooKeeper's server generation and the number of nodes in
 * Marathon's leader latch (a session of its own, read-only, outside {@code <zk>/state}), Marathon's version and
 * leader from its HTTP API.
 */
public final class ClusterProbe {

  /** What a check found; {@code problem} null when both ZooKeeper and Marathon answered. */
  public record Result(String zookeeperServer, Integer electionParticipants, String marathonVersion, String leader,
      String problem) {
    public boolean reachable() {
      return problem == null;
    }
  }

  private ClusterProbe() {}

  public static Result check(TargetConfig config) throws InterruptedException {
    String generation = null;
    Integer participants = null;
    String problem = null;
    try (CuratorFramework zk = ZkConnector.connect(config.zookeeper(), config.zkSessionTimeout(),
        config.zkConnectTimeout())) {
      generation = ServerFeatures.generationName(zk);
      participants = latchNodes(zk, config.zookeeper());
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      problem = "ZooKeeper " + config.zookeeper() + ": " + message(e);
    }
    String version = null;
    String leader = null;
    try {
      MarathonClient marathon = new MarathonClient(config.marathonUrl(), config.marathonCredentials(),
          config.marathonRequestTimeout(), config.marathonTrust());
      MarathonInfo info = marathon.info();
      version = info.version();
      leader = marathon.leader().orElse(null);
    } catch (Exception e) {
      String marathonProblem = "Marathon " + config.marathonUrl() + ": " + message(e);
      problem = problem == null ? marathonProblem : problem + "; " + marathonProblem;
    }
    return new Result(generation, participants, version, leader, problem);
  }

  /**
   * The storage version in the live state ({@code <zk>/state/internal:storage:version}): read only when a restore
   * into this Marathon is about to run, to refuse a migration between Marathons of different storage versions.
   */
  public static Optional<StorageVersion> liveStorageVersion(TargetConfig config) throws Exception {
    try (CuratorFramework zk = ZkConnector.connect(config.zookeeper(), config.zkSessionTimeout(),
        config.zkConnectTimeout())) {
      return StorageVersionGuard.read(zk.getZookeeperClient().getZooKeeper(), config.zookeeper().statePath());
    }
  }

  private static int latchNodes(CuratorFramework zk, ZkTarget target) throws Exception {
    try {
      List<String> children = zk.getChildren().forPath(target.latchPath());
      return (int) children.stream().filter(child -> child.contains("latch-")).count();
    } catch (KeeperException.NoNodeException e) {
      return 0;
    }
  }

  private static String message(Exception e) {
    return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
  }
}
