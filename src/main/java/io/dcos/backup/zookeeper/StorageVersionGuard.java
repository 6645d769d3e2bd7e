package io.dcos.backup.zookeeper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Keeps every Marathon off a state that is being replaced, with Marathon's own check: a Marathon elected while the
 * state holds the {@link StorageVersion#SENTINEL} refuses it (its storage migration fails) and exits, before it loads
 * or touches anything.
 *
 * <p>One guard per write of a whole tree ({@link StateRestorer#restore(String, Iterator, FenceToken,
 * StorageVersionGuard)}):
 * <ol>
 *   <li>the restorer's first fenced batch replaces {@code internal:storage:version} by the sentinel (creating it if
 *       absent), with the caller's {@code firstBatchOps} (a journal) in the same multi; nothing else is written
 *       before that batch commits;</li>
 *   <li>the rest of the tree is written, the archived version node held back ({@link #archivedVersionNode()}), and
 *       verified against {@link #expectedWhileGuarded(Iterator)};</li>
 *   <li>{@link #commit(ZooKeeper, FenceToken, List)}: the final fenced batch puts the archived version node in place
 *       of the sentinel (or deletes the sentinel when the archive has none) with the caller's last ops; then
 *       {@link #verifyCommitted(ZooKeeper)}.</li>
 * </ol>
 * If the writer dies anywhere in between, the sentinel stays: Marathon stays down until a restore finishes.
 */
public final class StorageVersionGuard {
  private final List<Op> firstBatchOps;
  private String rootPath;
  private String versionPath;
  private List<ACL> sentinelAcl;
  private ZNode archived;
  private boolean started;

  /** @param firstBatchOps written in the sentinel's batch, all or nothing with it (a journal of the operation) */
  public StorageVersionGuard(List<Op> firstBatchOps) {
    this.firstBatchOps = List.copyOf(firstBatchOps);
  }

  public static String relativePath() {
    return "/" + StorageVersion.NODE;
  }

  /** The storage version stored at {@code <statePath>/internal:storage:version}; empty if absent or unreadable. */
  public static Optional<StorageVersion> read(ZooKeeper zk, String statePath) throws Exception {
    try {
      return StorageVersion.fromNodeData(zk.getData(statePath + relativePath(), false, null));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** Whether the node exists at all (a missing one means "fresh install" to Marathon). */
  public static boolean present(ZooKeeper zk, String statePath) throws Exception {
    return zk.exists(statePath + relativePath(), false) != null;
  }

  /** The ops that put the sentinel in place, and the caller's; the root must exist when they run. */
  List<Op> sentinelOps(ZooKeeper zk, String rootPath, List<ACL> rootAcl) throws Exception {
    if (started) {
      throw new IllegalStateException("a guard serves one restore");
    }
    started = true;
    this.rootPath = rootPath;
    versionPath = rootPath + relativePath();
    sentinelAcl = rootAcl;
    List<Op> ops = new ArrayList<>();
    if (zk.exists(versionPath, false) != null) {
      ops.add(Op.delete(versionPath, -1));
    }
    // Created rather than set, so the node's ACL is known and its czxid is one of the restore's own transactions.
    ops.add(Op.create(versionPath, StorageVersion.SENTINEL.toNodeData(), rootAcl, CreateMode.PERSISTENT));
    ops.addAll(firstBatchOps);
    return ops;
  }

  String versionPath() {
    return versionPath;
  }

  /** Called by the restorer for the archive's version node, which it does not write. */
  void holdBack(ZNode node) {
    archived = node;
  }

  public Optional<ZNode> archivedVersionNode() {
    return Optional.ofNullable(archived);
  }

  /**
   * The archive's node stream as the state must look before the commit: the version node holding the sentinel
   * (with the root's ACL), inserted after the root when the archive has none.
   */
  public Iterator<ZNode> expectedWhileGuarded(Iterator<ZNode> archive) {
    if (!started) {
      throw new IllegalStateException("the guard has not been written");
    }
    ZNode sentinel = new ZNode(relativePath(), StorageVersion.SENTINEL.toNodeData(), sentinelAcl);
    return new Iterator<>() {
      private boolean rootSeen;
      private boolean versionSeen;
      private ZNode pending;

      @Override
      public boolean hasNext() {
        return pending != null || archive.hasNext() || (rootSeen && !versionSeen);
      }

      @Override
      public ZNode next() {
        if (pending != null) {
          ZNode p = pending;
          pending = null;
          return p;
        }
        if (!archive.hasNext()) {
          if (rootSeen && !versionSeen) {
            versionSeen = true;
            return sentinel;
          }
          throw new NoSuchElementException();
        }
        ZNode n = archive.next();
        if (n.relativePath().isEmpty() && !rootSeen) {
          rootSeen = true;
          if (archived == null) {
            versionSeen = true;
            pending = sentinel;
          }
          return n;
        }
        if (n.relativePath().equals(relativePath())) {
          versionSeen = true;
          return sentinel;
        }
        return n;
      }
    };
  }

  /** As {@link #expectedWhileGuarded(Iterator)}, for the archive's index. */
  public TreeIndex expectedWhileGuarded(TreeIndex archive) {
    if (!started) {
      throw new IllegalStateException("the guard has not been written");
    }
    TreeIndex expected = archive.copy();
    expected.add(new ZNode(relativePath(), StorageVersion.SENTINEL.toNodeData(), sentinelAcl));
    return expected;
  }

  /**
   * The final fenced batch: the archived version node replaces the sentinel (the sentinel is deleted if the archive
   * has no such node), with {@code lastOps} in the same multi.
   *
   * @throws FenceLostException if the fence check failed; nothing was written
   */
  public void commit(ZooKeeper zk, FenceToken fence, List<Op> lastOps) throws Exception {
    if (!started) {
      throw new IllegalStateException("the guard has not been written");
    }
    List<Op> ops = new ArrayList<>();
    if (fence != null) {
      ops.add(Op.check(fence.path(), fence.version()));
    }
    if (zk.exists(versionPath, false) != null) {
      ops.add(Op.delete(versionPath, -1));
    }
    if (archived != null) {
      ops.add(Op.create(versionPath, archived.data(), archived.acl(), CreateMode.PERSISTENT));
    }
    ops.addAll(lastOps);
    try {
      zk.multi(ops);
    } catch (KeeperException e) {
      if (fence != null && e.getResults() != null && !e.getResults().isEmpty()
          && e.getResults().get(0) instanceof org.apache.zookeeper.OpResult.ErrorResult r
          && r.getErr() != KeeperException.Code.OK.intValue()
          && r.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
        throw new FenceLostException("the final restore batch was not written: fence " + fence.path()
            + " is no longer at version " + fence.version() + " (" + KeeperException.Code.get(r.getErr()) + ")");
      }
      throw e;
    }
  }

  /** Empty when the version node is exactly the archive's (or absent, as in the archive); else the difference. */
  public Optional<String> verifyCommitted(ZooKeeper zk) throws Exception {
    ZkPaths.sync(zk, rootPath);
    Stat stat = new Stat();
    byte[] data;
    try {
      data = zk.getData(versionPath, false, stat);
    } catch (KeeperException.NoNodeException e) {
      return archived == null ? Optional.empty() : Optional.of(versionPath + " is missing after the final batch");
    }
    if (archived == null) {
      return Optional.of(versionPath + " exists after the final batch, but the archive has no such node");
    }
    if (!Arrays.equals(data, archived.data())) {
      return Optional.of("data differs at " + versionPath + " after the final batch");
    }
    List<ACL> acl = zk.getACL(versionPath, new Stat());
    if (!acl.equals(archived.acl())) {
      return Optional.of("ACL differs at " + versionPath + ": expected " + AclText.describe(archived.acl())
          + ", live " + AclText.describe(acl));
    }
    return Optional.empty();
  }
}
