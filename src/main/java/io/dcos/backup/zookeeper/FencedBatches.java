package io.dcos.backup.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.ArrayList;
import java.util.Set;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore's writes: ops batched into fenced multi() requests, a few in flight on {@link AsyncPipeline}; stops at
 * the first failed batch. Every batch starts with the fence check (see {@link StateRestorer} for the order of writes
 * and why); a node too large for a fenced multi is written alone, right after a fence check.
 */
final class FencedBatches {
  private static final Logger LOG = LoggerFactory.getLogger(FencedBatches.class);
  static final int OP_OVERHEAD_BYTES = 32;
  private static final int MULTI_OVERHEAD_BYTES = 64;
  /** The server's jute.maxbuffer, assumed equal to this JVM's (default 0xfffff). */
  private static final long MAX_REQUEST_BYTES = Integer.getInteger("jute.maxbuffer", 0xfffff);
  private static final int MAX_STAMP_DATA_BYTES = 1024;
  static final long NO_ZXID = -1;

  /** A plain write; returns the zxid of its transaction, or {@link #NO_ZXID}. */
  @FunctionalInterface
  interface Write {
    long run() throws Exception;
  }

  static long bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  static int len(byte[] data) {
    return data == null ? 0 : data.length;
  }

  private final StateRestorer.Limits limits;

  private static final class Batch {
    final List<Op> ops = new ArrayList<>();
    long bytes;
    long written;
    long deleted;
    long dataBytes;
    boolean stamped;
  }

  final ZooKeeper zk;
  private final FenceToken fence;
  /**
   * Every batch ends by setting the root's data to its archived value again: the result's Stat carries the batch's
   * zxid, so the verifier can tell the nodes this restore created from any others. Only when the root's data is
   * small (Marathon's state root has none); otherwise zxids stay unknown and the verifier reads every ACL.
   */
  private final Op stamp;
  private final long stampBytes;
  boolean rootPresent;
  final Set<Long> zxids = new HashSet<>();
  private final AsyncPipeline replies;
  private Batch current;
  private int inFlight;
  private Exception failure;
  long written;
  long deleted;
  long dataBytes;
  long batches;

  FencedBatches(ZooKeeper zk, FenceToken fence, String rootPath, byte[] rootData, StateRestorer.Limits limits) {
    this.zk = zk;
    this.limits = limits;
    this.fence = fence;
    this.replies = AsyncPipeline.on(zk, "writing restore batches below " + rootPath);
    boolean small = len(rootData) <= MAX_STAMP_DATA_BYTES;
    this.stamp = small ? Op.setData(rootPath, rootData, -1) : null;
    this.stampBytes = small ? bytes(rootPath) + len(rootData) + OP_OVERHEAD_BYTES : 0;
    current = newBatch();
  }

  private Batch newBatch() {
    Batch b = new Batch();
    if (fence != null) {
      b.ops.add(Op.check(fence.path(), fence.version()));
      b.bytes = bytes(fence.path()) + OP_OVERHEAD_BYTES;
    }
    b.bytes += stampBytes;
    return b;
  }

  private int fenceOps() {
    return fence == null ? 0 : 1;
  }

  /** One synchronous fenced multi, before the pipeline sends anything; counts as one batch. */
  void commitAlone(List<Op> ops) throws Exception {
    batches++;
    try {
      zk.multi(ops);
    } catch (KeeperException e) {
      List<OpResult> results = e.getResults();
      if (results != null) {
        for (int i = 0; i < results.size(); i++) {
          if (results.get(i) instanceof OpResult.ErrorResult r && r.getErr() != Code.OK.intValue()
              && r.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
            if (fence != null && i == 0) {
              throw fenceLost(Code.get(r.getErr()));
            }
            throw KeeperException.create(Code.get(r.getErr()), ops.get(i).getPath());
          }
        }
      }
      throw e;
    }
  }

  void checkFenceNow() throws Exception {
    if (fence == null) {
      return;
    }
    try {
      zk.multi(List.of(Op.check(fence.path(), fence.version())));
    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
      throw fenceLost(Code.get(e.code().intValue()));
    }
  }

  /**
   * Whether an op of this estimated size still fits in a multi() next to the fence check. A znode within ~100
   * bytes of jute.maxbuffer can be written by a plain create but not inside a multi (measured on 3.9: the server
   * drops the connection). Marathon caps its znodes well below that (--zk_max_node_size, 1,024,000 bytes).
   */
  boolean fitsInMulti(long estBytes) {
    long fenceBytes = fence == null ? 0 : bytes(fence.path()) + OP_OVERHEAD_BYTES;
    return estBytes + fenceBytes + stampBytes + MULTI_OVERHEAD_BYTES <= MAX_REQUEST_BYTES;
  }

  /**
   * For a znode too big for a fenced multi: waits for every batch sent so far, checks the fence, then writes the
   * node with a plain call. The fence is thus checked one request before the write, not atomically with it: this
   * is the only write that could land in the instant after the fence is lost, and it is logged.
   */
  void writeAlone(Write write, String path, long dataBytes) throws Exception {
    writeAlone(write, path, dataBytes, "(" + dataBytes + " data bytes) is too large for a fenced multi()");
  }

  /** As {@link #writeAlone(Write, String, long)}; {@code why} completes "path ..." in the log. */
  void writeAlone(Write write, String path, long dataBytes, String why) throws Exception {
    if (current.ops.size() > fenceOps()) {
      send();
    }
    drain();
    throwIfFailed();
    checkFenceNow();
    LOG.warn("{} {}; writing it with a plain call right after a fence check", path, why);
    long zxid = write.run();
    if (zxid != NO_ZXID) {
      zxids.add(zxid);
    }
    written++;
    this.dataBytes += dataBytes;
  }

  void add(Op op, long estBytes, long written, long deleted, long dataBytes) throws Exception {
    if (current.ops.size() > fenceOps()
        && (current.ops.size() + 1 > limits.opsPerBatch() || current.bytes + estBytes > limits.bytesPerBatch())) {
      send();
    }
    current.ops.add(op);
    current.bytes += estBytes;
    current.written += written;
    current.deleted += deleted;
    current.dataBytes += dataBytes;
  }

  private void send() throws Exception {
    throwIfFailed();
    while (inFlight >= limits.batchesInFlight()) {
      awaitOne();
      throwIfFailed();
    }
    Batch b = current;
    current = newBatch();
    b.stamped = stamp != null && rootPresent;
    if (b.stamped) {
      b.ops.add(stamp);
    }
    inFlight++;
    batches++;
    replies.multi(b.ops, reply -> done(b, reply));
  }

  private void awaitOne() throws Exception {
    replies.awaitOne();
  }

  private void done(Batch b, AsyncPipeline.Reply.Multi d) {
    inFlight--;
    if (d.code() == Code.OK) {
      if (b.stamped && d.results().get(d.results().size() - 1) instanceof OpResult.SetDataResult r) {
        zxids.add(r.getStat().getMzxid());
      }
      written += b.written;
      deleted += b.deleted;
      dataBytes += b.dataBytes;
    } else if (failure == null) {
      failure = describe(b, d);
    }
  }

  void throwIfFailed() throws Exception {
    if (failure != null) {
      drain();
      throw failure;
    }
  }

  private void drain() throws Exception {
    while (inFlight > 0) {
      awaitOne();
    }
  }

  void finish() throws Exception {
    if (current.ops.size() > fenceOps()) {
      send();
    }
    drain();
    throwIfFailed();
  }

  private Exception describe(Batch b, AsyncPipeline.Reply.Multi d) {
    List<OpResult> results = d.results();
    if (results == null) {
      return KeeperException.create(d.code(), "restore batch of " + b.ops.size() + " ops");
    }
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i) instanceof OpResult.ErrorResult e && e.getErr() != Code.OK.intValue()
          && e.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
        Code code = Code.get(e.getErr());
        if (fence != null && i == 0) {
          return fenceLost(code);
        }
        return KeeperException.create(code, b.ops.get(i).getPath());
      }
    }
    return KeeperException.create(d.code(), "restore batch");
  }

  private FenceLostException fenceLost(Code code) {
    return new FenceLostException("restore stopped: fence " + fence.path() + " is no longer at version "
        + fence.version() + " (" + code + "); another operator instance may own this restore now. "
        + written + " znodes had been written, " + deleted + " deleted.");
  }
}
