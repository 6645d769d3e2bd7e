package io.dcos.backup.zookeeper;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification of a tree a restore just wrote (see {@link StateVerifier#compare(String, Iterator, RestoreSummary)}).
 *
 * <p>The expected stream says which nodes exist and how big they are, so reads need no discovery: getData for many
 * nodes per read-only multi(), several multis in flight, sized from the expected data lengths. Each reply carries the
 * node's Stat: czxid among the restore's own transaction zxids and aversion 0 prove the ACL (the node was created by
 * the restore with the archived ACL, and no setACL followed); otherwise the ACL is read. Data is compared byte for
 * byte. Nodes nobody expected show up as a parent whose numChildren differs from the number of expected children.
 * Memory: the nodes in flight, plus a child count per parent and an 8-byte hash per path (to name unexpected
 * children).
 */
final class RestoredTreeCheck {
  private static final Logger LOG = LoggerFactory.getLogger(RestoredTreeCheck.class);
  private static final int MAX_REPORTED = 10;
  private static final int OPS_PER_MULTI = 500;
  private static final long REPLY_BYTES_PER_MULTI = 512 * 1024;
  private static final long LONE_DATA_BYTES = 256 * 1024;
  private static final int READS_IN_FLIGHT = 8;
  private static final int ACLS_IN_FLIGHT = 500;
  private static final int STAT_BYTES = 100;

  private final CuratorFramework client;
  private final String root;
  private final Set<Long> ours;
  private final List<String> diffs = new ArrayList<>();
  private long differences;
  private final Map<String, Integer> expectedChildren = new HashMap<>();
  private final Map<String, Integer> liveChildren = new HashMap<>();
  private final Set<Long> expectedPathHashes = new HashSet<>();
  private final ArrayDeque<Read> retry = new ArrayDeque<>();
  private int readsInFlight;
  private int aclsInFlight;
  private boolean multiRead = true;
  private long aclsRead;
  private long checked;
  private AsyncPipeline pipe;

  RestoredTreeCheck(CuratorFramework client, String root, Set<Long> ours) {
    this.client = client;
    this.root = root;
    this.ours = ours;
  }

  private static final class Read {
    final ZNode expected;
    final String path;
    final ConnectionEpochs.Request connection = new ConnectionEpochs.Request();

    Read(ZNode expected, String path) {
      this.expected = expected;
      this.path = path;
    }

    long replyBytes() {
      return STAT_BYTES + (expected.data() == null ? 0 : expected.data().length);
    }
  }

  Optional<String> run(Iterator<ZNode> expected) throws Exception {
    try (AsyncPipeline opened = AsyncPipeline.retrying(client, "verifying " + root)) {
      pipe = opened;
      return compare(expected);
    } finally {
      pipe = null;
    }
  }

  private Optional<String> compare(Iterator<ZNode> expected) throws Exception {
    ZooKeeper zk = zk();
    multiRead = ServerFeatures.modern(client);
    ZkPaths.sync(zk, root);
    if (!expected.hasNext()) {
      throw new IllegalArgumentException("nothing to compare: the expected stream is empty");
    }
    ZNode rootNode = expected.next();
    if (!rootNode.relativePath().isEmpty()) {
      throw new IllegalArgumentException("the expected stream must start with the root node");
    }
    // The root existed before the restore (its data was set, its ACL perhaps too): always read in full.
    Stat rootStat = new Stat();
    byte[] rootData;
    try {
      rootData = zk.getData(root, false, rootStat);
    } catch (KeeperException.NoNodeException e) {
      return Optional.of(root + " does not exist");
    }
    List<ACL> rootAcl = zk.getACL(root, new Stat());
    compareNode(new Read(rootNode, root), rootData, rootStat, rootAcl);
    expectedPathHashes.add(hash(""));

    List<Read> batch = new ArrayList<>();
    long batchBytes = 0;
    while (expected.hasNext()) {
      ZNode n = expected.next();
      if (n.relativePath().isEmpty()) {
        throw new IllegalArgumentException("the expected stream contains the root twice");
      }
      expectedChildren.merge(parent(n.relativePath()), 1, Integer::sum);
      if (!expectedPathHashes.add(hash(n.relativePath()))) {
        note("expected stream lists " + n.relativePath() + " twice");
      }
      Read r = new Read(n, n.absolutePath(root));
      if (!multiRead || r.replyBytes() > LONE_DATA_BYTES) {
        awaitSlot();
        issueSingle(r);
        continue;
      }
      if (!batch.isEmpty() && (batch.size() >= OPS_PER_MULTI || batchBytes + r.replyBytes() > REPLY_BYTES_PER_MULTI)) {
        awaitSlot();
        issueMulti(batch);
        batch = new ArrayList<>();
        batchBytes = 0;
      }
      batch.add(r);
      batchBytes += r.replyBytes();
    }
    if (!batch.isEmpty()) {
      awaitSlot();
      issueMulti(batch);
    }
    while (readsInFlight > 0 || aclsInFlight > 0 || !retry.isEmpty()) {
      while (!retry.isEmpty() && readsInFlight < READS_IN_FLIGHT) {
        issueSingle(retry.poll());
      }
      pipe.awaitOne();
    }
    compareChildCounts(zk);
    LOG.info("verified {}: {} znodes, {} ACLs read (the rest proven by the restore's zxids), multi-read={}, {} "
        + "differences", root, checked + 1, aclsRead + 1, multiRead, differences);
    if (differences == 0) {
      return Optional.empty();
    }
    String text = String.join("; ", diffs);
    if (differences > diffs.size()) {
      text += "; and " + (differences - diffs.size()) + " more differences";
    }
    return Optional.of(text);
  }

  private ZooKeeper zk() throws Exception {
    return client.getZookeeperClient().getZooKeeper();
  }

  private void awaitSlot() throws Exception {
    while (readsInFlight >= READS_IN_FLIGHT || aclsInFlight >= ACLS_IN_FLIGHT || !retry.isEmpty()) {
      while (!retry.isEmpty() && readsInFlight < READS_IN_FLIGHT) {
        issueSingle(retry.poll());
      }
      if (readsInFlight < READS_IN_FLIGHT && aclsInFlight < ACLS_IN_FLIGHT) {
        return;
      }
      pipe.awaitOne();
    }
  }

  private void issueMulti(List<Read> batch) throws Exception {
    List<Op> ops = new ArrayList<>(batch.size());
    for (Read r : batch) {
      pipe.sent(r.connection);
      ops.add(Op.getData(r.path));
    }
    readsInFlight++;
    pipe.multi(ops, reply -> multiDone(batch, reply));
  }

  private void issueSingle(Read r) throws Exception {
    readsInFlight++;
    pipe.sent(r.connection);
    pipe.getData(r.path, null, reply -> dataDone(r, reply));
  }

  private void multiDone(List<Read> batch, AsyncPipeline.Reply.Multi m) throws Exception {
    readsInFlight--;
    if (m.results() == null || m.results().isEmpty()) {
      Code code = m.code();
      if (code == Code.UNIMPLEMENTED || code == Code.BADARGUMENTS || code == Code.MARSHALLINGERROR) {
        LOG.info("ZooKeeper server has no read-only multi (rc={}); verifying node by node", code);
        multiRead = false;
      } else if (code != Code.CONNECTIONLOSS) {
        throw KeeperException.create(code, batch.get(0).path);
      }
      for (Read r : batch) {
        retryOrThrow(r, code);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      Read r = batch.get(i);
      OpResult result = m.results().get(i);
      if (result instanceof OpResult.GetDataResult g) {
        received(r, g.getData(), g.getStat());
      } else {
        int err = result instanceof OpResult.ErrorResult e ? e.getErr() : Code.SYSTEMERROR.intValue();
        failed(r, Code.get(err));
      }
    }
  }

  private void dataDone(Read r, AsyncPipeline.Reply.Data d) throws Exception {
    readsInFlight--;
    Code code = d.code();
    if (code == Code.OK) {
      received(r, d.data(), d.stat());
    } else if (code == Code.CONNECTIONLOSS) {
      retryOrThrow(r, code);
    } else {
      failed(r, code);
    }
  }

  private void aclDone(Read r, AsyncPipeline.Reply.Acl a) throws Exception {
    aclsInFlight--;
    Code code = a.code();
    if (code == Code.OK) {
      aclsRead++;
      compareAcl(r, a.acl());
    } else if (code == Code.NONODE) {
      note("node " + r.path + " vanished while it was verified");
    } else if (code == Code.CONNECTIONLOSS && pipe.retry(r.connection, r.path)) {
      issueAcl(r);
    } else {
      throw KeeperException.create(code, r.path);
    }
  }

  private void retryOrThrow(Read r, Code code) throws Exception {
    if (code == Code.CONNECTIONLOSS && !pipe.retry(r.connection, r.path)) {
      throw KeeperException.create(code, r.path);
    }
    retry.add(r);
  }

  private void failed(Read r, Code code) throws Exception {
    if (code == Code.NONODE) {
      checked++;
      note("missing node " + r.expected.relativePath());
    } else if (code == Code.NOAUTH) {
      throw new StateUnavailableException("not allowed to read ZooKeeper node " + r.path
          + " to verify it: its ACL denies this client");
    } else {
      throw KeeperException.create(code, r.path);
    }
  }

  private void received(Read r, byte[] data, Stat stat) throws Exception {
    boolean aclProven = stat.getAversion() == 0 && ours.contains(stat.getCzxid());
    compareNode(r, data, stat, null);
    if (!aclProven) {
      issueAcl(r);
    }
  }

  private void issueAcl(Read r) throws Exception {
    aclsInFlight++;
    pipe.sent(r.connection);
    pipe.getAcl(r.path, reply -> aclDone(r, reply));
  }

  /** Data and child count now; the ACL when given (null: proven, or read later). */
  private void compareNode(Read r, byte[] data, Stat stat, List<ACL> acl) {
    checked++;
    if (!Arrays.equals(r.expected.data(), data)) {
      note("data differs at " + r.path + " (" + (data == null ? "null" : data.length + " bytes") + " live)");
    }
    if (stat.getNumChildren() > 0) {
      liveChildren.put(r.expected.relativePath(), stat.getNumChildren());
    }
    if (acl != null) {
      compareAcl(r, acl);
    }
  }

  private void compareAcl(Read r, List<ACL> acl) {
    if (!r.expected.acl().equals(acl)) {
      note("ACL differs at " + r.path + ": expected " + AclText.describe(r.expected.acl()) + ", live "
          + AclText.describe(acl));
    }
  }

  /** A parent with more live children than expected holds nodes nobody expected: name them. */
  private void compareChildCounts(ZooKeeper zk) throws Exception {
    Set<String> parents = new HashSet<>(liveChildren.keySet());
    parents.addAll(expectedChildren.keySet());
    for (String rel : parents.stream().sorted().toList()) {
      int live = liveChildren.getOrDefault(rel, 0);
      int want = expectedChildren.getOrDefault(rel, 0);
      if (live <= want) {
        continue; // fewer: the missing ones were named already
      }
      String abs = rel.isEmpty() ? root : root + rel;
      List<String> names;
      try {
        names = zk.getChildren(abs, false);
      } catch (KeeperException.NoNodeException e) {
        continue;
      }
      for (String name : names) {
        String childRel = rel + "/" + name;
        if (expectedPathHashes.contains(hash(childRel))) {
          continue;
        }
        Stat s = zk.exists(abs + "/" + name, false);
        if (s != null && TreeReader.isEphemeral(s)) {
          continue; // ephemeral nodes are never state (the snapshot skips them too)
        }
        note("unexpected node " + abs + "/" + name);
      }
    }
  }

  private void note(String d) {
    differences++;
    if (diffs.size() < MAX_REPORTED) {
      diffs.add(d);
    }
  }

  private static String parent(String rel) {
    return rel.substring(0, rel.lastIndexOf('/'));
  }

  /** 64-bit FNV-1a of the path: 8 bytes per expected node, used only to name unexpected children. */
  private static long hash(String rel) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < rel.length(); i++) {
      h ^= rel.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
