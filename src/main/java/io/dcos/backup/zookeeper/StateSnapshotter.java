package io.dcos.backup.zookeeper;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
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
   * Streams every persistent node under rootPath (root first, parents before children) to sink. Ephemeral nodes are
   * skipped; container and TTL nodes are kept (as plain data). Changes made by others during the walk are logged as
   * a warning but do not fail the snapshot; use {@link #snapshot(String, ZNodeSink, boolean)} to refuse them.
   *
   * @throws StateUnavailableException if rootPath does not exist, Marathon is migrating its storage (before or
   *     during the walk), or an ACL denies reading a node (the message names it)
   */
  public SnapshotSummary snapshot(String rootPath, ZNodeSink sink) throws Exception {
    return snapshot(rootPath, sink, false);
  }

  /**
   * As {@link #snapshot(String, ZNodeSink)}; with {@code requireConsistent}, throws {@link StateChangedException} if
   * any node below rootPath was created, deleted or had its data changed while the walk ran (or the connection
   * dropped, so changes could have been missed). The sink has then received an inconsistent stream: discard it.
   *
   * <p>How, on ZooKeeper 3.6+: a persistent recursive watch is set on rootPath before the walk. ZooKeeper delivers
   * a watch event before any read reply that reflects the change, so if no event has arrived by the time the last
   * reply has, every node was read in the state it had when the walk began. This costs two requests, not a second
   * pass over the tree. On servers without persistent watches (3.4, 3.5), which are read node by node anyway: a
   * write beside rootPath marks a zxid before the walk, and every Stat read with a node's content must show the node
   * unchanged since (see {@link ZxidMark} for why that proves the walk is the tree at the mark). ACL changes are seen
   * by neither. If the mark cannot be written (no permission beside rootPath), consistency cannot be proven: with
   * {@code requireConsistent} that throws {@link ConsistencyUnprovableException} before anything is read; without,
   * it is logged.
   */
  public SnapshotSummary snapshot(String rootPath, ZNodeSink sink, boolean requireConsistent) throws Exception {
    ZkPaths.validateRoot(rootPath);
    long start = System.nanoTime();
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    boolean modern = ServerFeatures.modern(client);
    ChangeWatch watch = ChangeWatch.start(zk, rootPath, modern);
    ZxidMark mark = null;
    String unprovable = null;
    if (!watch.active()) {
      try {
        mark = ZxidMark.write(zk, rootPath);
      } catch (KeeperException e) {
        unprovable = "this ZooKeeper server has no persistent recursive watches (3.6+), and the zxid mark "
            + ZxidMark.pathFor(rootPath) + " that proves a walk on older servers could not be written (" + e.getMessage()
            + ")";
      }
    }
    if (requireConsistent && unprovable != null) {
      throw new ConsistencyUnprovableException("cannot prove that " + rootPath + " stays unchanged while it is read: "
          + unprovable);
    }
    try {
      ZkPaths.sync(zk, rootPath);
      if (zk.exists(rootPath, false) == null) {
        throw new StateUnavailableException("ZooKeeper node " + rootPath
            + " does not exist: there is no Marathon state to back up (is Marathon using another --zk path?)");
      }
      String marker = ZkPaths.child(rootPath, MIGRATION_MARKER);
      checkNoMigration(zk, marker);
      long[] counts = new long[2];
      TreeReader reader = new TreeReader(client, limits);
      if (mark != null) {
        reader.requireUnchangedSince(mark);
      }
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
      String change = watch.active() ? watch.firstChange() : reader.firstChange();
      String proof = watch.active() ? "watch" : mark != null ? "zxid mark 0x" + Long.toHexString(mark.zxid()) : null;
      LOG.info("snapshot of {}: {} znodes, {} data bytes, {} ephemerals skipped, {} vanished, {} requests, "
              + "multi-read={}, consistency={}, {} ms", rootPath, counts[0], counts[1], reader.ephemeralsSkipped(),
          reader.vanished(), reader.requests(), reader.usedMultiRead(),
          proof == null ? "unchecked" : (change == null ? "ok" : "changed: " + change) + " (" + proof + ")",
          elapsed.toMillis());
      if (change != null) {
        String message = "the state under " + rootPath + " changed while it was being read (" + change
            + "); the snapshot may mix old and new state";
        if (requireConsistent) {
          throw new StateChangedException(message + ". Retry, or back up while Marathon is not writing.");
        }
        LOG.warn(message);
      }
      return new SnapshotSummary(counts[0], counts[1], elapsed);
    } finally {
      watch.stop();
    }
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
