package io.dcos.backup.testing;

import io.dcos.backup.zookeeper.ZNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Writes, deletes and reads trees of {@link ZNode}s with plain ZooKeeper calls, independent of the code under test:
 * the one place tests build and inspect ZooKeeper state.
 */
public final class ZkTrees {
  /** Ops per multi(): well inside every server's request size with small nodes. */
  private static final int BATCH_OPS = 500;
  /** Bytes per multi(), below jute.maxbuffer (1 MB by default). */
  private static final long BATCH_BYTES = 700_000;
  /** A node this big is created alone: a plain create takes up to jute.maxbuffer. */
  private static final long ALONE_BYTES = 500_000;

  private ZkTrees() {}

  /** As {@link #createAll(ZooKeeper, List, String)}, over a Curator client's connection. */
  public static void createAll(CuratorFramework c, List<ZNode> nodes, String root) throws Exception {
    createAll(c.getZookeeperClient().getZooKeeper(), nodes, root);
  }

  /** As {@link #deleteAll(ZooKeeper, List, String)}, over a Curator client's connection. */
  public static void deleteAll(CuratorFramework c, List<ZNode> nodes, String root) throws Exception {
    deleteAll(c.getZookeeperClient().getZooKeeper(), nodes, root);
  }

  /** Creates {@code nodes} (parents listed before children) below {@code root} in multi() batches. */
  public static void createAll(ZooKeeper zk, List<ZNode> nodes, String root) throws Exception {
    List<Op> ops = new ArrayList<>();
    long bytes = 0;
    for (ZNode n : nodes) {
      long size = n.relativePath().length() + (n.data() == null ? 0 : n.data().length) + 200;
      if (size > ALONE_BYTES) {
        flush(zk, ops);
        bytes = 0;
        zk.create(n.absolutePath(root), n.data(), n.acl(), CreateMode.PERSISTENT);
        continue;
      }
      if (!ops.isEmpty() && (ops.size() >= BATCH_OPS || bytes + size > BATCH_BYTES)) {
        flush(zk, ops);
        bytes = 0;
      }
      ops.add(Op.create(n.absolutePath(root), n.data(), n.acl(), CreateMode.PERSISTENT));
      bytes += size;
    }
    flush(zk, ops);
  }

  /** Deletes {@code nodes} (listed parents first) below {@code root} in multi() batches, children first. */
  public static void deleteAll(ZooKeeper zk, List<ZNode> nodes, String root) throws Exception {
    List<Op> ops = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      ops.add(Op.delete(nodes.get(i).absolutePath(root), -1));
      if (ops.size() == BATCH_OPS) {
        flush(zk, ops);
      }
    }
    flush(zk, ops);
  }

  /**
   * The persistent nodes at and below {@code root}, level by level (so parents before children), every read of a
   * level in flight at once; ephemeral nodes and what is below them are left out.
   */
  public static List<ZNode> read(ZooKeeper zk, String root) throws Exception {
    List<ZNode> out = new ArrayList<>();
    List<String> level = List.of(root);
    while (!level.isEmpty()) {
      int n = level.size();
      byte[][] data = new byte[n][];
      Stat[] stats = new Stat[n];
      List<List<ACL>> acls = new ArrayList<>(Collections.nCopies(n, null));
      List<List<String>> children = new ArrayList<>(Collections.nCopies(n, null));
      CountDownLatch done = new CountDownLatch(3 * n);
      AtomicReference<String> error = new AtomicReference<>();
      Semaphore window = new Semaphore(600);
      for (int i = 0; i < n; i++) {
        int at = i;
        String p = level.get(i);
        window.acquire(3);
        zk.getData(p, false, (rc, path, ctx, d, stat) -> {
          data[at] = d;
          stats[at] = stat;
          if (rc != 0) {
            error.compareAndSet(null, "getData " + path + " rc " + rc);
          }
          window.release();
          done.countDown();
        }, null);
        zk.getACL(p, new Stat(), (rc, path, ctx, acl, stat) -> {
          acls.set(at, acl);
          if (rc != 0) {
            error.compareAndSet(null, "getACL " + path + " rc " + rc);
          }
          window.release();
          done.countDown();
        }, null);
        zk.getChildren(p, false, (rc, path, ctx, c) -> {
          children.set(at, c);
          if (rc != 0) {
            error.compareAndSet(null, "getChildren " + path + " rc " + rc);
          }
          window.release();
          done.countDown();
        }, null);
      }
      if (!done.await(60, TimeUnit.SECONDS) || error.get() != null) {
        throw new IllegalStateException("reading the tree failed: " + error.get());
      }
      List<String> next = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (stats[i].getEphemeralOwner() != 0) {
          continue;
        }
        out.add(new ZNode(level.get(i).substring(root.length()), data[i], acls.get(i)));
        for (String c : children.get(i)) {
          next.add(level.get(i) + "/" + c);
        }
      }
      level = next;
    }
    return out;
  }

  /**
   * Every node at and below {@code root}, ephemeral ones too, with its mzxid, pzxid, version and cversion: equal maps
   * before and after mean nothing there was created, deleted or written (ACL changes aside).
   */
  public static Map<String, String> changeStamps(CuratorFramework c, String root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    addChangeStamps(c, root, out);
    return out;
  }

  private static void addChangeStamps(CuratorFramework c, String path, Map<String, String> out) throws Exception {
    Stat s = c.checkExists().forPath(path);
    if (s == null) {
      return; // deleted while listed
    }
    out.put(path, s.getMzxid() + "/" + s.getPzxid() + "/" + s.getVersion() + "/" + s.getCversion());
    for (String child : c.getChildren().forPath(path)) {
      addChangeStamps(c, path + "/" + child, out);
    }
  }

  private static void flush(ZooKeeper zk, List<Op> ops) throws Exception {
    if (!ops.isEmpty()) {
      zk.multi(ops);
      ops.clear();
    }
  }
}
