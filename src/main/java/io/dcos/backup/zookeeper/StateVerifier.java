package io.dcos.backup.zookeeper;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * Compares a live subtree with an expected node stream (data bytes, ACLs, set of paths). Memory per expected node is
 * its path, ACL and a fingerprint of its data (the data itself up to 32 bytes, else its SHA-256), so a large archive
 * can be checked without holding its data.
 */
public final class StateVerifier {
  private static final int MAX_REPORTED = 10;

  private final CuratorFramework client;

  public StateVerifier(CuratorFramework c) {
    this.client = c;
  }

  private record Expected(byte[] fingerprint, List<ACL> acl) {}

  /**
   * As {@link #compare(String, Iterator)}, for a tree this restore just wrote: one read-only multi() of getData per
   * ~500 nodes and no per-node getACL where the ACL is proven instead of read. A node's ACL is proven when its czxid is
   * one of {@code restored.transactionZxids()} (this incarnation of the node was created by one of the restore's own
   * transactions, with the archived ACL) and its ACL version is 0 (never changed since). Every other node's ACL is
   * read and compared. Data is always read and compared; extra nodes show as a child count that differs. Falls back
   * to the full comparison when the zxids are unknown.
   */
  public Optional<String> compare(String rootPath, Iterator<ZNode> expected, RestoreSummary restored)
      throws Exception {
    if (restored == null || restored.transactionZxids().isEmpty()) {
      return compare(rootPath, expected);
    }
    ZkPaths.validateRoot(rootPath);
    return new RestoredTreeCheck(client, rootPath, restored.transactionZxids()).run(expected);
  }

  /** @return empty when identical, else a description of the first differences */
  public Optional<String> compare(String rootPath, Iterator<ZNode> expected) throws Exception {
    ZkPaths.validateRoot(rootPath);
    Map<String, Expected> want = new HashMap<>();
    // Nearly every node carries one of a handful of ACL lists; sharing them keeps the map small for big archives.
    Map<List<ACL>, List<ACL>> acls = new HashMap<>();
    List<String> diffs = new ArrayList<>();
    long[] total = new long[1];
    while (expected.hasNext()) {
      ZNode n = expected.next();
      Expected e = new Expected(fingerprint(n.data()), acls.computeIfAbsent(n.acl(), a -> a));
      if (want.put(n.relativePath(), e) != null) {
        note(diffs, total, "expected stream lists " + show(n.relativePath()) + " twice");
      }
    }
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    ZkPaths.sync(zk, rootPath);
    if (zk.exists(rootPath, false) == null) {
      return Optional.of(rootPath + " does not exist");
    }
    new TreeReader(client, TreeReader.Limits.DEFAULT).walk(rootPath, (path, data, acl, stat) -> {
      String rel = ZkPaths.relative(rootPath, path);
      Expected e = want.remove(rel);
      if (e == null) {
        note(diffs, total, "unexpected node " + path);
      } else {
        if (!Arrays.equals(e.fingerprint(), fingerprint(data))) {
          note(diffs, total, "data differs at " + path + " (" + (data == null ? "null" : data.length + " bytes")
              + " live)");
        }
        if (!e.acl().equals(acl)) {
          note(diffs, total, "ACL differs at " + path + ": expected " + AclText.describe(e.acl()) + ", live "
              + AclText.describe(acl));
        }
      }
    });
    want.keySet().stream().sorted().forEach(rel -> note(diffs, total, "missing node " + show(rel)));
    if (total[0] == 0) {
      return Optional.empty();
    }
    String text = String.join("; ", diffs);
    if (total[0] > diffs.size()) {
      text += "; and " + (total[0] - diffs.size()) + " more differences";
    }
    return Optional.of(text);
  }

  private static String show(String rel) {
    return rel.isEmpty() ? "<root>" : rel;
  }

  private static void note(List<String> diffs, long[] total, String d) {
    total[0]++;
    if (diffs.size() < MAX_REPORTED) {
      diffs.add(d);
    }
  }

  /** Tag byte keeps null, short raw data and digests from ever comparing equal to each other. */
  static byte[] fingerprint(byte[] data) throws Exception {
    if (data == null) {
      return new byte[] {0};
    }
    if (data.length <= 32) {
      byte[] f = new byte[data.length + 1];
      f[0] = 1;
      System.arraycopy(data, 0, f, 1, data.length);
      return f;
    }
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
    byte[] f = new byte[digest.length + 1];
    f[0] = 2;
    System.arraycopy(digest, 0, f, 1, digest.length);
    return f;
  }
}
