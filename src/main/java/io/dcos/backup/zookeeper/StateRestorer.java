package io.dcos.backup.zookeeper;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a subtree with archived nodes using pipelined, fenced multi() batches.
 *
 * <p>Order of writes (one session, so the server applies them in this order): delete every existing descendant of
 * the root, children first; set the root's data and ACL; create the archived nodes, parents first. Siblings of the
 * root are never touched. Every batch carries the fence check, so once the fence is lost every later batch fails as
 * a whole. Batches in flight when an earlier one fails still run (they were sent), but they carry the same check.
 *
 * <p>With a {@link StorageVersionGuard} (every write of Marathon's state), a first batch of its own comes before all
 * of that: the sentinel storage version, which every Marathon refuses, and the caller's journal. It is sent alone and
 * must commit before anything else is written (the root's ACL included). The archived version node is then held back
 * for the guard's final batch; the sentinel is neither deleted nor overwritten by the tree's batches.
 */
public final class StateRestorer {
  private static final Logger LOG = LoggerFactory.getLogger(StateRestorer.class);

  /** Tunables. Bytes are our estimate of the request size, kept at half of jute.maxbuffer. */
  record Limits(int opsPerBatch, long bytesPerBatch, int batchesInFlight, int listingsInFlight) {
    static final Limits DEFAULT = new Limits(500, 512 * 1024, 4, 500);
  }

  private static final int OP_OVERHEAD_BYTES = FencedBatches.OP_OVERHEAD_BYTES;

  private final CuratorFramework client;
  private final Limits limits;

  public StateRestorer(CuratorFramework client) {
    this(client, Limits.DEFAULT);
  }

  StateRestorer(CuratorFramework client, Limits limits) {
    this.client = client;
    this.limits = limits;
  }

  /**
   * Replaces the subtree at rootPath with {@code nodes} (root first, then parents before children), ACLs preserved.
   *
   * @throws FenceLostException if the fence check failed; no batch after the failing one was applied
   * @throws IllegalArgumentException if the stream does not start with the root, or the fence lies in the subtree
   */
  public RestoreSummary restore(String rootPath, Iterator<ZNode> nodes, FenceToken fence) throws Exception {
    return restore(rootPath, nodes, fence, null);
  }

  /**
   * As {@link #restore(String, Iterator, FenceToken)}, guarded: see {@link StorageVersionGuard}. The caller verifies
   * the tree against {@link StorageVersionGuard#expectedWhileGuarded(Iterator)}, then commits the guard.
   */
  public RestoreSummary restore(String rootPath, Iterator<ZNode> nodes, FenceToken fence, StorageVersionGuard guard)
      throws Exception {
    ZNode root = rootOf(rootPath, nodes, fence, " and would be deleted by the restore");
    long start = System.nanoTime();
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    ZkPaths.sync(zk, rootPath);
    FencedBatches pipe = new FencedBatches(zk, fence, rootPath, root.data(), limits);
    // Fail before touching anything if the fence is already gone.
    pipe.checkFenceNow();

    boolean rootExists = zk.exists(rootPath, false) != null;
    String versionPath = null;
    if (guard != null) {
      List<Op> first = new ArrayList<>();
      if (fence != null) {
        first.add(Op.check(fence.path(), fence.version()));
      }
      if (!rootExists) {
        for (String ancestor : missingAncestors(zk, rootPath)) {
          first.add(Op.create(ancestor, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        }
        if (root.acl().isEmpty()) {
          throw new IllegalArgumentException("node " + rootPath + " has an empty ACL list; ZooKeeper refuses that");
        }
        first.add(Op.create(rootPath, root.data(), root.acl(), CreateMode.PERSISTENT));
      }
      first.addAll(guard.sentinelOps(zk, rootPath, root.acl()));
      pipe.commitAlone(first);
      versionPath = guard.versionPath();
      org.apache.zookeeper.data.Stat sentinel = zk.exists(versionPath, false);
      if (sentinel != null) {
        pipe.zxids.add(sentinel.getCzxid());
      }
      LOG.info("restore of {}: storage version sentinel {} written; every Marathon refuses this state until the "
          + "restore's final batch", rootPath, StorageVersion.SENTINEL);
    }
    if (rootExists) {
      // multi() has no setACL op, so this one write cannot carry the fence; the fence was checked just above and the
      // root's ACL almost never differs from the archived one, in which case nothing is written here.
      if (!zk.getACL(rootPath, new org.apache.zookeeper.data.Stat()).equals(root.acl())) {
        zk.setACL(rootPath, root.acl(), -1);
      }
      List<String> existing = listDescendants(zk, rootPath);
      for (int i = existing.size() - 1; i >= 0; i--) {
        String p = existing.get(i);
        if (p.equals(versionPath)) {
          continue; // the sentinel: replaced by the guard's final batch only
        }
        pipe.add(Op.delete(p, -1), bytes(p) + OP_OVERHEAD_BYTES, 0, 1, 0);
      }
      pipe.rootPresent = true;
      long size = bytes(rootPath) + len(root.data()) + OP_OVERHEAD_BYTES;
      if (pipe.fitsInMulti(size)) {
        pipe.add(Op.setData(rootPath, root.data(), -1), size, 1, 0, len(root.data()));
      } else {
        pipe.writeAlone(() -> zk.setData(rootPath, root.data(), -1).getMzxid(), rootPath, len(root.data()));
      }
    } else if (guard != null) {
      pipe.rootPresent = true; // created in the guard's batch
      pipe.written++;
      pipe.dataBytes += len(root.data());
    } else {
      for (String ancestor : missingAncestors(zk, rootPath)) {
        pipe.add(Op.create(ancestor, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            bytes(ancestor) + OP_OVERHEAD_BYTES, 0, 0, 0);
      }
      addCreate(pipe, rootPath, root);
      pipe.rootPresent = true;
    }
    while (nodes.hasNext()) {
      ZNode n = nodes.next();
      if (n.relativePath().isEmpty()) {
        throw new IllegalArgumentException("the node stream contains the root twice");
      }
      if (guard != null && n.relativePath().equals(StorageVersionGuard.relativePath())) {
        guard.holdBack(n);
        continue;
      }
      addCreate(pipe, n.absolutePath(rootPath), n);
      pipe.throwIfFailed();
    }
    pipe.finish();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    LOG.info("restore of {}: {} znodes written, {} deleted, {} data bytes, {} batches, {} ms", rootPath, pipe.written,
        pipe.deleted, pipe.dataBytes, pipe.batches, elapsed.toMillis());
    return new RestoreSummary(pipe.written, pipe.deleted, pipe.dataBytes, elapsed, pipe.zxids);
  }

  /**
   * Brings the subtree at rootPath from {@code live} to {@code nodes} by writing only what differs: nodes to create,
   * data to set, nodes to replace, nodes to delete (children first), in the same fenced batches, with the same guard, as
   * {@link #restore(String, Iterator, FenceToken, StorageVersionGuard)}. {@code liveTree} must know exactly what the
   * subtree holds now (a pre-copy finished under the fence, indexed); {@code archived} is the index of {@code nodes},
   * made when the archive was verified, so that nothing is hashed here. A node whose ACL differs is deleted and created again,
   * with its subtree; only the root's ACL is set in place (and marked changed in {@code liveTree}, as a setACL fires
   * no watch, so that the pre-copy reads it again).
   *
   * <p>Order: the guard's batch; then, in archive order (parents first), creates and data writes; then the deletes,
   * deepest first. A node to create never lies below one to delete (its parent is in the archive, so it is kept).
   */
  public RestoreSummary restoreDelta(String rootPath, PreCopy liveTree, TreeIndex archived, Iterator<ZNode> nodes,
      FenceToken fence, StorageVersionGuard guard) throws Exception {
    ZNode root = rootOf(rootPath, nodes, fence, "");
    TreeIndex live = liveTree.index();
    TreeIndex.Entry liveRoot = live.remove("");
    if (liveRoot == null) {
      throw new IllegalArgumentException("the live tree given has no root: a delta needs " + rootPath + " to exist");
    }
    long start = System.nanoTime();
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    ZkPaths.sync(zk, rootPath);
    FencedBatches pipe = new FencedBatches(zk, fence, rootPath, root.data(), limits);
    pipe.checkFenceNow();
    String versionRelative = null;
    if (guard != null) {
      List<Op> first = new ArrayList<>();
      if (fence != null) {
        first.add(Op.check(fence.path(), fence.version()));
      }
      first.addAll(guard.sentinelOps(zk, rootPath, root.acl()));
      pipe.commitAlone(first);
      versionRelative = StorageVersionGuard.relativePath();
      live.remove(versionRelative); // the sentinel: replaced by the guard's final batch only
      org.apache.zookeeper.data.Stat sentinel = zk.exists(guard.versionPath(), false);
      if (sentinel != null) {
        pipe.zxids.add(sentinel.getCzxid());
      }
    }
    pipe.rootPresent = true;
    if (!liveRoot.acl().equals(root.acl())) {
      setRootAcl(pipe, rootPath, root.acl());
      liveTree.markChanged(rootPath); // a setACL fires no watch
    }
    if (!liveRoot.sameDataAs(indexed(archived, root))) {
      addSetData(pipe, rootPath, root.data());
    }
    long unchanged = 0;
    while (nodes.hasNext()) {
      ZNode n = nodes.next();
      if (n.relativePath().isEmpty()) {
        throw new IllegalArgumentException("the node stream contains the root twice");
      }
      if (n.relativePath().equals(versionRelative)) {
        guard.holdBack(n);
        continue;
      }
      String path = n.absolutePath(rootPath);
      TreeIndex.Entry now = live.remove(n.relativePath());
      if (now == null) {
        addCreate(pipe, path, n);
      } else if (!now.acl().equals(n.acl())) {
        // multi() cannot set an ACL, but it can delete and create: the node is replaced with its subtree, so the ACL
        // is written in fenced batches like everything else. Its archived descendants, no longer in the index, are
        // then created as they come.
        List<String> below = live.removeDescendants(n.relativePath());
        for (int i = below.size() - 1; i >= 0; i--) {
          addDelete(pipe, rootPath + below.get(i));
        }
        addDelete(pipe, path);
        addCreate(pipe, path, n);
      } else if (!now.sameDataAs(indexed(archived, n))) {
        addSetData(pipe, path, n.data());
      } else {
        unchanged++;
      }
      pipe.throwIfFailed();
    }
    List<String> gone = new ArrayList<>(live.paths());
    // Deepest first, so that a node's children are deleted before it.
    gone.sort(java.util.Comparator.comparingLong((String rel) -> rel.chars().filter(c -> c == '/').count())
        .reversed().thenComparing(java.util.Comparator.naturalOrder()));
    for (String rel : gone) {
      addDelete(pipe, rootPath + rel);
    }
    pipe.finish();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    LOG.info("restore of {} as a delta: {} znodes written, {} deleted, {} unchanged, {} data bytes, {} batches, {} ms",
        rootPath, pipe.written, pipe.deleted, unchanged, pipe.dataBytes, pipe.batches, elapsed.toMillis());
    return new RestoreSummary(pipe.written, pipe.deleted, pipe.dataBytes, elapsed, pipe.zxids);
  }

  /** {@code n}'s entry in the archive's index, made before the fence from the verified archive. */
  private static TreeIndex.Entry indexed(TreeIndex archived, ZNode n) {
    TreeIndex.Entry entry = archived.get(n.relativePath());
    if (entry == null) {
      throw new IllegalStateException("the archive holds " + TreeIndex.show(n.relativePath()) + ", which its index, "
          + "made when it was verified, does not: the archive changed since");
    }
    return entry;
  }

  /**
   * The stream's root, after the checks every restore makes before it writes: a valid root path, the fence outside
   * the subtree ({@code fenceNote} completes that message), a stream that starts with the root.
   */
  private static ZNode rootOf(String rootPath, Iterator<ZNode> nodes, FenceToken fence, String fenceNote) {
    ZkPaths.validateRoot(rootPath);
    if (fence != null && ZkPaths.isAtOrBelow(fence.path(), rootPath)) {
      throw new IllegalArgumentException("fence node " + fence.path() + " lies inside the restored subtree "
          + rootPath + fenceNote);
    }
    if (!nodes.hasNext()) {
      throw new IllegalArgumentException("nothing to restore: the node stream is empty");
    }
    ZNode root = nodes.next();
    if (!root.relativePath().isEmpty()) {
      throw new IllegalArgumentException("the node stream must start with the root node, got " + root.relativePath());
    }
    return root;
  }

  private static void addDelete(FencedBatches pipe, String path) throws Exception {
    pipe.add(Op.delete(path, -1), bytes(path) + OP_OVERHEAD_BYTES, 0, 1, 0);
  }

  private static void addSetData(FencedBatches pipe, String path, byte[] data) throws Exception {
    if (TreeIndex.isUnloaded(data)) {
      throw new IllegalStateException("the data of " + path + " was not loaded from the backup before the fence");
    }
    long size = bytes(path) + len(data) + OP_OVERHEAD_BYTES;
    if (pipe.fitsInMulti(size)) {
      pipe.add(Op.setData(path, data, -1), size, 1, 0, len(data));
    } else {
      pipe.writeAlone(() -> pipe.zk.setData(path, data, -1).getMzxid(), path, len(data));
    }
  }

  /**
   * The root's ACL, which multi() cannot set and the root cannot be re-created to carry: a plain call right after a
   * fence check, as {@link FencedBatches#writeAlone} does for a node too large for a multi. The full restore sets it the
   * same way; Marathon never changes it.
   */
  private static void setRootAcl(FencedBatches pipe, String path, List<ACL> acl) throws Exception {
    if (acl.isEmpty()) {
      throw new IllegalArgumentException("node " + path + " has an empty ACL list; ZooKeeper refuses that");
    }
    pipe.writeAlone(() -> {
      pipe.zk.setACL(path, acl, -1);
      return FencedBatches.NO_ZXID; // its Stat tells no zxid of the setACL itself; the node's ACL is then read back, not proven
    }, path, 0, "gets its archived ACL, which multi() cannot set");
  }

  private static void addCreate(FencedBatches pipe, String path, ZNode n) throws Exception {
    if (TreeIndex.isUnloaded(n.data())) {
      throw new IllegalStateException("the data of " + path + " was not loaded from the backup before the fence");
    }
    if (n.acl().isEmpty()) {
      throw new IllegalArgumentException("node " + path + " has an empty ACL list; ZooKeeper refuses that");
    }
    long size = bytes(path) + len(n.data()) + aclBytes(n.acl()) + OP_OVERHEAD_BYTES;
    if (pipe.fitsInMulti(size)) {
      pipe.add(Op.create(path, n.data(), n.acl(), CreateMode.PERSISTENT), size, 1, 0, len(n.data()));
    } else {
      pipe.writeAlone(() -> {
        // The plain create (not create2, unknown to 3.4) returns no Stat: the create's zxid is the node's czxid.
        PortableWrites.create(pipe.zk, path, n.data(), n.acl(), CreateMode.PERSISTENT);
        return pipe.zk.exists(path, false).getCzxid();
      }, path, len(n.data()));
    }
  }

  private static List<String> missingAncestors(ZooKeeper zk, String rootPath) throws Exception {
    ArrayDeque<String> missing = new ArrayDeque<>();
    String p = rootPath;
    while (true) {
      int slash = p.lastIndexOf('/');
      if (slash <= 0) {
        break;
      }
      p = p.substring(0, slash);
      if (zk.exists(p, false) != null) {
        break;
      }
      missing.addFirst(p);
    }
    return new ArrayList<>(missing);
  }

  /** All descendants of root (root excluded), parents before children; pipelined getChildren. */
  private List<String> listDescendants(ZooKeeper zk, String root) throws Exception {
    ArrayDeque<String> todo = new ArrayDeque<>();
    List<String> result = new ArrayList<>();
    todo.add(root);
    int[] inFlight = {0};
    try (AsyncPipeline pipe = AsyncPipeline.on(zk, "listing the descendants of " + root)) {
      while (!todo.isEmpty() || inFlight[0] > 0) {
        while (inFlight[0] < limits.listingsInFlight() && !todo.isEmpty()) {
          String p = todo.poll();
          pipe.listChildren(p, listed -> {
            inFlight[0]--;
            Code code = listed.code();
            if (code == Code.NONODE && !p.equals(root)) {
              return; // deleted meanwhile: nothing to delete
            }
            if (code != Code.OK) {
              throw KeeperException.create(code, p);
            }
            for (String c : listed.children()) {
              String child = ZkPaths.child(p, c);
              result.add(child);
              todo.add(child);
            }
          });
          inFlight[0]++;
        }
        pipe.awaitOne();
      }
    }
    // The listing is breadth-first per completion order, which already puts every parent before its children.
    return result;
  }

  private static long bytes(String s) {
    return FencedBatches.bytes(s);
  }

  private static int len(byte[] data) {
    return FencedBatches.len(data);
  }

  static long aclBytes(List<ACL> acl) {
    long total = 4;
    for (ACL a : acl) {
      total += 12 + bytes(a.getId().getScheme()) + bytes(a.getId().getId());
    }
    return total;
  }
}
