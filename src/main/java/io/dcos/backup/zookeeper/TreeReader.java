package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipelined walk of a subtree: every node costs one async getACL (the only call that returns the ACL, and its Stat
 * tells us the data size, the child count and whether the node is ephemeral) and a share of a read-only multi()
 * (getData + getChildren for many nodes in one round trip). Replies are sized from the Stat so no reply comes near
 * jute.maxbuffer; big or very wide nodes are read with their own plain calls. Servers without multi-read (before
 * 3.6) are detected on the first batch and read with plain pipelined calls instead.
 *
 * <p>All callbacks only enqueue ({@link AsyncPipeline}); the caller's thread does all the bookkeeping and calls the
 * visitor, so visitors need no synchronisation and run in parent-before-child order (children are discovered only once
 * their parent has been visited).
 */
final class TreeReader {
  private static final Logger LOG = LoggerFactory.getLogger(TreeReader.class);

  interface Visitor {
    void visit(String path, byte[] data, List<ACL> acl, Stat stat) throws Exception;
  }

  /** Tunables; the defaults keep well below the server's globalOutstandingLimit (1000). */
  record Limits(int aclInFlight, int readRequestsInFlight, int opsPerMulti, long replyBytesPerMulti,
                long replyBytesInFlight, long loneDataBytes, int loneChildren, boolean multiRead) {
    static final Limits DEFAULT = new Limits(500, 64, 500, 512 * 1024, 8L * 1024 * 1024, 256 * 1024, 2_000, true);
  }

  private final CuratorFramework client;
  private final Limits limits;
  private boolean multiRead;
  private long ephemeralsSkipped;
  private long vanished;
  private long requests;
  /** When set, every Stat of the walk must show its node unchanged since the mark (see {@link ZxidMark}). */
  private ZxidMark unchangedSince;
  private String firstChange;
  /** When set, every node's data and children are read with this one-shot watch (see {@link #watchEveryRead}). */
  private Watcher readWatcher;

  TreeReader(CuratorFramework client, Limits limits) {
    this.client = client;
    this.limits = limits;
    this.multiRead = limits.multiRead();
  }

  long ephemeralsSkipped() { return ephemeralsSkipped; }

  long vanished() { return vanished; }

  long requests() { return requests; }

  boolean usedMultiRead() { return multiRead; }

  /**
   * Checks the walk against a mark: afterwards {@link #firstChange()} says whether it read the tree as it was at the
   * mark. Reads node by node (a read-only multi's getChildren result carries no Stat to check).
   */
  TreeReader requireUnchangedSince(ZxidMark mark) {
    this.unchangedSince = mark;
    this.multiRead = false;
    return this;
  }

  /**
   * Reads every node's data and children with {@code watcher} as a one-shot watch, set by the read itself: from the
   * moment a node is read, any change to its data, its existence or its children list is told to the watcher. Reads
   * node by node, every node's children included (a leaf's child watch is what tells of its first child).
   */
  TreeReader watchEveryRead(Watcher watcher) {
    this.readWatcher = watcher;
    this.multiRead = false;
    return this;
  }

  /** The first change seen against the mark, or null: then the walk is the tree at the mark. */
  String firstChange() { return firstChange; }

  private void checkUnchanged(String path, Stat stat) {
    if (unchangedSince != null && firstChange == null) {
      unchangedSince.changeAt(path, stat).ifPresent(change -> firstChange = change);
    }
  }

  private final ArrayDeque<WalkNode> toStat = new ArrayDeque<>(); // used as a stack: depth-first keeps it small
  private final ArrayDeque<WalkNode> toRead = new ArrayDeque<>();
  private int aclInFlight;
  private int readsInFlight;
  private long replyBytesInFlight;
  /** Set for the walk: its pipeline, root and visitor. */
  private AsyncPipeline pipe;
  private String root;
  private Visitor visitor;

  /** Walks root and all its persistent descendants. Ephemeral nodes are skipped (they cannot have children). */
  void walk(String root, Visitor visitor) throws Exception {
    try (AsyncPipeline opened = AsyncPipeline.retrying(client, "reading " + root)) {
      this.pipe = opened;
      this.root = root;
      this.visitor = visitor;
      walkPipelined();
    } finally {
      pipe = null;
      this.visitor = null;
    }
  }

  private void walkPipelined() throws Exception {
    multiRead = multiRead && ServerFeatures.modern(client);
    toStat.push(new WalkNode(root));
    while (true) {
      while (aclInFlight < limits.aclInFlight() && !toStat.isEmpty()) {
        issueAcl(toStat.pop());
      }
      issueReads();
      if (aclInFlight == 0 && readsInFlight == 0) {
        if (toStat.isEmpty() && toRead.isEmpty()) {
          return;
        }
        continue;
      }
      // Handle every reply that has arrived before issuing more.
      pipe.awaitBurst();
    }
  }

  private void issueAcl(WalkNode n) throws Exception {
    aclInFlight++;
    requests++;
    pipe.sent(n.connection);
    pipe.getAcl(n.path, reply -> aclDone(n, reply));
  }

  private void issueReads() throws Exception {
    boolean statStageIdle = aclInFlight == 0 && toStat.isEmpty();
    // Node by node (no multi-read), each request is one node's: keep as many in flight as getACLs.
    int readCap = multiRead ? limits.readRequestsInFlight()
        : Math.max(limits.readRequestsInFlight(), limits.aclInFlight());
    while (!toRead.isEmpty() && readsInFlight < readCap
        && (replyBytesInFlight < limits.replyBytesInFlight() || readsInFlight == 0)) {
      WalkNode head = toRead.peek();
      if (!multiRead || head.lone) {
        issueSingles(toRead.poll());
        continue;
      }
      // Wait for a fuller batch while more Stats are on their way and the read pipe is busy anyway.
      if (!statStageIdle && readsInFlight > 0 && toRead.size() < limits.opsPerMulti() / 2) {
        return;
      }
      List<WalkNode> batch = new ArrayList<>();
      List<Op> ops = new ArrayList<>();
      long bytes = 0;
      while (!toRead.isEmpty() && !toRead.peek().lone) {
        WalkNode n = toRead.peek();
        long b = n.estimatedReplyBytes();
        if (!batch.isEmpty()
            && (ops.size() + n.ops() > limits.opsPerMulti() || bytes + b > limits.replyBytesPerMulti())) {
          break;
        }
        toRead.poll();
        pipe.sent(n.connection);
        batch.add(n);
        bytes += b;
        ops.add(Op.getData(n.path));
        if (n.wantsChildren()) {
          ops.add(Op.getChildren(n.path));
        }
      }
      readsInFlight++;
      replyBytesInFlight += bytes;
      requests++;
      final long batchBytes = bytes;
      pipe.multi(ops, reply -> {
        readsInFlight--;
        replyBytesInFlight -= batchBytes;
        handleMulti(batch, reply);
      });
    }
  }

  private void issueSingles(WalkNode n) throws Exception {
    long dataBytes = n.dataReplyBytes();
    pipe.sent(n.connection);
    n.pendingCalls = 1;
    readsInFlight++;
    replyBytesInFlight += dataBytes;
    requests++;
    pipe.getData(n.path, readWatcher,
        reply -> singleDone(n, dataBytes, reply.code(), reply.stat(), () -> n.data = reply.data()));
    if (n.wantsChildren() || readWatcher != null) {
      long childBytes = n.childrenReplyBytes();
      n.pendingCalls = 2;
      readsInFlight++;
      replyBytesInFlight += childBytes;
      requests++;
      pipe.getChildren(n.path, readWatcher,
          reply -> singleDone(n, childBytes, reply.code(), reply.stat(), () -> n.children = reply.children()));
    }
  }

  /** One of a node's plain calls answered: {@code keep} takes the reply's value when it is OK. */
  private void singleDone(WalkNode n, long bytes, Code code, Stat stat, Runnable keep) throws Exception {
    readsInFlight--;
    replyBytesInFlight -= bytes;
    if (code == Code.OK) {
      keep.run();
      checkUnchanged(n.path, stat);
    } else {
      singleFailed(n, code);
    }
    finishCall(n);
  }

  private void aclDone(WalkNode n, AsyncPipeline.Reply.Acl a) throws Exception {
    aclInFlight--;
    Code code = a.code();
    if (code == Code.OK) {
      n.acl = a.acl();
      n.stat = a.stat();
      if (isEphemeral(n.stat)) {
        ephemeralsSkipped++;
        return;
      }
      checkUnchanged(n.path, n.stat);
      n.lone = n.stat.getDataLength() > limits.loneDataBytes() || n.stat.getNumChildren() > limits.loneChildren();
      toRead.add(n);
    } else if (code == Code.CONNECTIONLOSS && pipe.retry(n.connection, n.path)) {
      toStat.push(n);
    } else {
      failOrSkip(n, code);
    }
  }

  private void handleMulti(List<WalkNode> batch, AsyncPipeline.Reply.Multi m) throws Exception {
    Code code = m.code();
    if (m.results() == null || m.results().isEmpty()) {
      if (code == Code.UNIMPLEMENTED || code == Code.BADARGUMENTS || code == Code.MARSHALLINGERROR) {
        // Pre-3.6 servers do not know the multiRead op code.
        LOG.info("ZooKeeper server has no read-only multi (rc={}); reading node by node", code);
        multiRead = false;
      } else if (code == Code.CONNECTIONLOSS) {
        // Possibly our reply estimate was wrong and the reply hit the client's limit: retry node by node.
        for (WalkNode n : batch) {
          if (!pipe.retry(n.connection, n.path)) {
            throw KeeperException.create(code, n.path);
          }
          n.lone = true;
        }
      } else {
        throw KeeperException.create(code, batch.get(0).path);
      }
      for (int i = batch.size() - 1; i >= 0; i--) {
        toRead.addFirst(batch.get(i));
      }
      return;
    }
    int i = 0;
    for (WalkNode n : batch) {
      OpResult dataResult = m.results().get(i++);
      OpResult childResult = n.wantsChildren() ? m.results().get(i++) : null;
      if (dataResult instanceof OpResult.GetDataResult g) {
        n.data = g.getData();
      } else {
        failOrSkip(n, errorCode(dataResult));
        continue;
      }
      if (childResult != null) {
        if (childResult instanceof OpResult.GetChildrenResult c) {
          n.children = c.getChildren();
        } else {
          failOrSkip(n, errorCode(childResult));
          continue;
        }
      }
      complete(n);
    }
  }

  private static Code errorCode(OpResult r) {
    return r instanceof OpResult.ErrorResult e ? Code.get(e.getErr()) : Code.SYSTEMERROR;
  }

  private void singleFailed(WalkNode n, Code code) throws Exception {
    if (code == Code.CONNECTIONLOSS) {
      if (pipe.retry(n.connection, n.path)) {
        n.dropped = true; // finishCall re-queues it once its other call is answered
        return;
      }
      // A reply above the client's jute.maxbuffer makes the client drop the connection, every time.
      throw new IOException("could not read ZooKeeper node " + n.path + " (" + n.stat.getDataLength()
          + " data bytes, " + n.stat.getNumChildren() + " children): the connection dropped on every attempt; its "
          + "reply probably exceeds this client's jute.maxbuffer (connect with ZkConnector, or raise "
          + "-Djute.maxbuffer)");
    }
    failOrSkip(n, code);
    n.failed = true;
  }

  private void finishCall(WalkNode n) throws Exception {
    if (--n.pendingCalls > 0) {
      return;
    }
    if (n.failed) {
      return;
    }
    if (n.dropped) {
      n.dropped = false;
      n.data = null;
      n.children = List.of();
      toRead.addFirst(n);
      return;
    }
    complete(n);
  }

  private void failOrSkip(WalkNode n, Code code) throws Exception {
    switch (code) {
      case NONODE -> {
        if (n.path.equals(root)) {
          throw new StateUnavailableException("ZooKeeper node " + root + " does not exist");
        }
        // Deleted while we walked: it is not part of the state any more.
        vanished++;
        if (unchangedSince != null && firstChange == null) {
          firstChange = n.path + " was deleted after the walk began";
        }
        LOG.debug("{} vanished during the walk", n.path);
      }
      case NOAUTH -> throw new StateUnavailableException("not allowed to read ZooKeeper node " + n.path
          + ": its ACL denies this client (authenticate as the user Marathon writes with, or as super)");
      default -> throw KeeperException.create(code, n.path);
    }
  }

  private void complete(WalkNode n) throws Exception {
    visitor.visit(n.path, n.data, n.acl, n.stat);
    if (n.children.isEmpty()) {
      return;
    }
    List<String> names = new ArrayList<>(n.children);
    Collections.sort(names);
    String prefix = n.path.equals("/") ? "/" : n.path + "/";
    // Pushed in reverse so that siblings are popped in name order.
    for (int i = names.size() - 1; i >= 0; i--) {
      toStat.push(new WalkNode(prefix + names.get(i)));
    }
    n.data = null;
  }

  /**
   * Ephemeral owner semantics: 0 = persistent, Long.MIN_VALUE = container, high byte 0xff with the next two bytes
   * zero = TTL node (the low bits carry the TTL). Anything else is a session id: a real ephemeral.
   */
  static boolean isEphemeral(Stat stat) {
    long owner = stat.getEphemeralOwner();
    if (owner == 0 || owner == Long.MIN_VALUE) {
      return false;
    }
    boolean ttl = (owner >>> 56) == 0xff && ((owner >>> 40) & 0xffff) == 0;
    return !ttl;
  }
}
