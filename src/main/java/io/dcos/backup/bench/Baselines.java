package io.dcos.backup.bench;

import io.dcos.backup.zookeeper.ZNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * What the peers do, each written as well as its kind allows, to measure the engine against. These read (or write)
 * exactly what the engine does: every node's data, children and ACL; ephemeral nodes are skipped.
 */
final class Baselines {
  private Baselines() {}

  /** Nodes and data bytes seen by a walk. */
  record Count(long nodes, long bytes) {}

  /**
   * (a) zoocreeper / burry: a sequential, synchronous, depth-first walk. Per node one getData (its Stat says whether
   * there are children), one getChildren only where there are, one getACL: two round trips per leaf, three per inner
   * node, each waiting for the previous one.
   */
  static Count sequentialWalk(ZooKeeper zk, String root, long limit) throws Exception {
    long nodes = 0;
    long bytes = 0;
    ArrayDeque<String> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty() && nodes < limit) {
      String path = stack.pop();
      Stat stat = new Stat();
      byte[] data;
      try {
        data = zk.getData(path, false, stat);
      } catch (KeeperException.NoNodeException vanished) {
        continue;
      }
      if (stat.getEphemeralOwner() != 0 && stat.getEphemeralOwner() != Long.MIN_VALUE) {
        continue;
      }
      List<ACL> acl = zk.getACL(path, new Stat());
      if (acl.isEmpty()) {
        throw new IllegalStateException("no ACL on " + path);
      }
      nodes++;
      bytes += data == null ? 0 : data.length;
      if (stat.getNumChildren() > 0) {
        List<String> children = new ArrayList<>(zk.getChildren(path, false));
        Collections.sort(children, Collections.reverseOrder());
        for (String c : children) {
          stack.push(path + "/" + c);
        }
      }
    }
    return new Count(nodes, bytes);
  }

  /**
   * (b) The best a straightforward async client does: individual async calls, up to {@code maxInFlight} outstanding.
   * For each node getData and getACL go out together (both need only the path); getChildren follows only where the
   * data's Stat counts children. All bookkeeping runs in ZooKeeper's callback thread, with no hand-off.
   */
  static Count pipelinedWalk(ZooKeeper zk, String root, int maxInFlight) throws Exception {
    PipelinedWalk walk = new PipelinedWalk(zk, maxInFlight);
    return walk.run(root);
  }

  private static final class PipelinedWalk {
    private final ZooKeeper zk;
    private final int maxInFlight;
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private int inFlight;
    private long nodes;
    private long bytes;

    PipelinedWalk(ZooKeeper zk, int maxInFlight) {
      this.zk = zk;
      this.maxInFlight = maxInFlight;
    }

    /** Per node: data and ACL arrive in either order; the node counts once both are in. */
    private final class NodeRead {
      final String path;
      int answers;
      boolean skip;
      long dataBytes;

      NodeRead(String path) {
        this.path = path;
      }
    }

    Count run(String root) throws Exception {
      synchronized (this) {
        pending.push(root);
        pump();
      }
      if (!done.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("pipelined walk did not finish");
      }
      if (failure.get() != null) {
        throw failure.get();
      }
      return new Count(nodes, bytes);
    }

    private void pump() {
      while (inFlight + 2 <= maxInFlight && !pending.isEmpty()) {
        NodeRead n = new NodeRead(pending.pop());
        inFlight += 2;
        zk.getData(n.path, false, (rc, path, ctx, data, stat) -> onData(n, rc, data, stat), null);
        zk.getACL(n.path, new Stat(), (rc, path, ctx, acl, stat) -> onAcl(n, rc, acl), null);
      }
      if (inFlight == 0 && pending.isEmpty()) {
        done.countDown();
      }
    }

    private synchronized void onData(NodeRead n, int rc, byte[] data, Stat stat) {
      if (!received(n, rc)) {
        return;
      }
      if (rc == Code.OK.intValue()) {
        if (stat.getEphemeralOwner() != 0 && stat.getEphemeralOwner() != Long.MIN_VALUE) {
          n.skip = true;
        } else {
          n.dataBytes = data == null ? 0 : data.length;
          if (stat.getNumChildren() > 0) {
            inFlight++;
            zk.getChildren(n.path, false, (rc2, path, ctx, children) -> onChildren(n, rc2, children), null);
          }
        }
      }
      answered(n);
    }

    private synchronized void onAcl(NodeRead n, int rc, List<ACL> acl) {
      if (received(n, rc)) {
        answered(n);
      }
    }

    /** One of a node's two reads answered: a vanished node is skipped; false when the read failed the walk. */
    private boolean received(NodeRead n, int rc) {
      inFlight--;
      if (rc == Code.NONODE.intValue()) {
        n.skip = true;
      } else if (rc != Code.OK.intValue()) {
        fail(KeeperException.create(Code.get(rc), n.path));
        return false;
      }
      return true;
    }

    private synchronized void onChildren(NodeRead n, int rc, List<String> children) {
      inFlight--;
      if (rc == Code.OK.intValue()) {
        for (String c : children) {
          pending.push(n.path + "/" + c);
        }
      } else if (rc != Code.NONODE.intValue()) {
        fail(KeeperException.create(Code.get(rc), n.path));
        return;
      }
      pump();
    }

    private void answered(NodeRead n) {
      if (++n.answers == 2 && !n.skip) {
        nodes++;
        bytes += n.dataBytes;
      }
      pump();
    }

    private void fail(Exception e) {
      failure.compareAndSet(null, e);
      done.countDown();
    }
  }

  /** (a) Marathon's own restore: one create per round trip, in stream order; stops after {@code limit} nodes. */
  static Count oneByOneRestore(ZooKeeper zk, String root, Iterator<ZNode> nodes, long limit) throws Exception {
    long count = 0;
    long bytes = 0;
    while (nodes.hasNext() && count < limit) {
      ZNode n = nodes.next();
      zk.create(n.absolutePath(root), n.data(), n.acl(), CreateMode.PERSISTENT);
      count++;
      bytes += n.data() == null ? 0 : n.data().length;
    }
    return new Count(count, bytes);
  }

  /**
   * (b) The raw write limit: nodes straight from memory (no archive to read) as pipelined multi() creates — batches
   * of at most {@code opsPerBatch} ops and {@code bytesPerBatch} bytes, {@code inFlight} batches outstanding.
   */
  /**
   * The floor of any snapshot that keeps ACLs: one getACL per node, {@code maxInFlight} outstanding, with every path
   * known beforehand (the tree's own list), so no getData and no getChildren. Nothing that reads each node's ACL can
   * be faster on the same connection; the engine's snapshot is reported against it.
   */
  static Count aclFloor(ZooKeeper zk, String root, Iterator<ZNode> nodes, int maxInFlight) throws Exception {
    Semaphore slots = new Semaphore(maxInFlight);
    AtomicReference<Exception> failure = new AtomicReference<>();
    long count = 0;
    while (nodes.hasNext() && failure.get() == null) {
      String path = nodes.next().absolutePath(root);
      slots.acquire();
      zk.getACL(path, new Stat(), (rc, p, ctx, acl, stat) -> {
        if (rc != Code.OK.intValue()) {
          failure.compareAndSet(null, KeeperException.create(Code.get(rc), p));
        } else if (acl.isEmpty()) {
          failure.compareAndSet(null, new IllegalStateException("no ACL on " + p));
        }
        slots.release();
      }, null);
      count++;
    }
    slots.acquire(maxInFlight);
    if (failure.get() != null) {
      throw failure.get();
    }
    return new Count(count, 0);
  }

  static Count rawBatchedWrite(ZooKeeper zk, String root, Iterator<ZNode> nodes, int opsPerBatch, long bytesPerBatch,
      int inFlight) throws Exception {
    Semaphore slots = new Semaphore(inFlight);
    AtomicReference<Exception> failure = new AtomicReference<>();
    long count = 0;
    long bytes = 0;
    List<Op> batch = new ArrayList<>();
    long batchBytes = 0;
    while (nodes.hasNext()) {
      ZNode n = nodes.next();
      long size = 64 + n.absolutePath(root).length() + (n.data() == null ? 0 : n.data().length)
          + 64L * n.acl().size();
      if (!batch.isEmpty() && (batch.size() >= opsPerBatch || batchBytes + size > bytesPerBatch)) {
        send(zk, batch, slots, failure);
        batch = new ArrayList<>();
        batchBytes = 0;
      }
      batch.add(Op.create(n.absolutePath(root), n.data(), n.acl(), CreateMode.PERSISTENT));
      batchBytes += size;
      count++;
      bytes += n.data() == null ? 0 : n.data().length;
    }
    if (!batch.isEmpty()) {
      send(zk, batch, slots, failure);
    }
    slots.acquire(inFlight);
    if (failure.get() != null) {
      throw failure.get();
    }
    return new Count(count, bytes);
  }

  private static void send(ZooKeeper zk, List<Op> batch, Semaphore slots, AtomicReference<Exception> failure)
      throws Exception {
    slots.acquire();
    if (failure.get() != null) {
      slots.release();
      throw failure.get();
    }
    zk.multi(batch, (rc, path, ctx, results) -> {
      if (rc != Code.OK.intValue()) {
        failure.compareAndSet(null, KeeperException.create(Code.get(rc), "raw write batch"));
      }
      slots.release();
    }, null);
  }

  /** Deletes a subtree (not timed): pipelined multi() deletes, children first. */
  static void deleteTree(ZooKeeper zk, String root) throws Exception {
    List<String> paths = new ArrayList<>();
    ArrayDeque<String> todo = new ArrayDeque<>();
    if (zk.exists(root, false) == null) {
      return;
    }
    todo.add(root);
    while (!todo.isEmpty()) {
      String p = todo.poll();
      paths.add(p);
      for (String c : zk.getChildren(p, false)) {
        todo.add(p + "/" + c);
      }
    }
    Semaphore slots = new Semaphore(4);
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Op> batch = new ArrayList<>();
    for (int i = paths.size() - 1; i >= 0; i--) {
      batch.add(Op.delete(paths.get(i), -1));
      if (batch.size() == 1000) {
        send(zk, batch, slots, failure);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      send(zk, batch, slots, failure);
    }
    slots.acquire(4);
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
