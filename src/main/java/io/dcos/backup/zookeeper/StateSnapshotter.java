package io.dcos.backup.zookeeper;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Streams a ZooKeeper subtree to a {@link ZNodeSink} with few round trips; see {@link TreeReader}. */
public final class StateSnapshotter {
  private static final Logger LOG = LoggerFactory.getLogger(StateSnapshotter.class);
  public static final String MIGRATION_MARKER = "migration-in-progress";

  private final CuratorFramework client;
  private final TreeReader.Limits limits;

  public StateSnapshotter(CuratorFramework client) {
    this(client, TreeReader.Limits.DEFAULT);
  }

  StateSnapshotter(CuratorFramework client, TreeReader.Limits limits) {
    this.client = client;
    this.limits = limits;
  }

  /**
   * Streams every persistent node under rootPath (root first, parents before children)
   * to sink. Ephemeral nodes are skipped; container and TTL nodes are kept (as plain data).
   *
   * @throws StateUnavailableException if rootPath does not exist, Marathon is migrating its storage (before or
   *     during the walk), or an ACL denies reading a node (the message names it)
   */
  public SnapshotSummary snapshot(String rootPath, ZNodeSink sink) throws Exception {
    ZkPaths.validateRoot(rootPath);
    long start = System.nanoTime();
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    ZkPaths.sync(zk, rootPath);
    if (zk.exists(rootPath, false) == null) {
      throw new StateUnavailableException("ZooKeeper node " + rootPath
          + " does not exist: there is no Marathon state to back up (is Marathon using another --zk path?)");
    }
    String marker = ZkPaths.child(rootPath, MIGRATION_MARKER);
    checkNoMigration(zk, marker);
    long[] counts = new long[2];
    TreeReader reader = new TreeReader(client, limits);
    reader.walk(rootPath, (path, data, acl, stat) -> {
      if (path.equals(marker)) {
        throw migrationInProgress(marker);
      }
      sink.accept(new ZNode(ZkPaths.relative(rootPath, path), data, acl));
      counts[0]++;
      counts[1] += data == null ? 0 : data.length;
    });
    // A migration that started while we walked leaves a mix of old and new formats in what we read.
    checkNoMigration(zk, marker);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    LOG.info("snapshot of {}: {} znodes, {} data bytes, {} ephemerals skipped, {} vanished, {} requests, "
            + "multi-read={}, {} ms", rootPath, counts[0], counts[1], reader.ephemeralsSkipped(), reader.vanished(),
        reader.requests(), reader.usedMultiRead(), elapsed.toMillis());
    return new SnapshotSummary(counts[0], counts[1], elapsed);
  }

  private static void checkNoMigration(ZooKeeper zk, String marker) throws Exception {
    if (zk.exists(marker, false) != null) {
      throw migrationInProgress(marker);
    }
  }

  private static StateUnavailableException migrationInProgress(String marker) {
    return new StateUnavailableException("Marathon is migrating its storage (" + marker
        + " exists); the state is not consistent until the migration finishes. Try again later.");
  }
}
