package io.dcos.backup.zookeeper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * Compares a live subtree with an expected node stream (data bytes, ACLs, set of paths). Memory per expected node is
 * a {@link TreeIndex} entry, so a large archive can be checked without holding its data.
 */
public final class StateVerifier {
  private static final int MAX_REPORTED = 10;

  private final CuratorFramework client;

  public StateVerifier(CuratorFramework c) {
    this.client = c;
  }

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
    Differences differences = new Differences(expected);
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    ZkPaths.sync(zk, rootPath);
    if (zk.exists(rootPath, false) == null) {
      return Optional.of(rootPath + " does not exist");
    }
    new TreeReader(client, TreeReader.Limits.DEFAULT).walk(rootPath, (path, data, acl, stat) ->
        differences.actual(ZkPaths.relative(rootPath, path), path, data, acl));
    return differences.end();
  }

  /** Expected nodes minus actual ones, and the first differences found. */
  private static final class Differences {
    private final TreeIndex want = new TreeIndex();
    private final List<String> shown = new ArrayList<>();
    private long total;

    Differences(Iterator<ZNode> expected) {
      while (expected.hasNext()) {
        ZNode n = expected.next();
        if (!want.add(n)) {
          note("expected stream lists " + TreeIndex.show(n.relativePath()) + " twice");
        }
      }
    }

    void actual(String rel, String path, byte[] data, List<ACL> acl) {
      TreeIndex.Entry e = want.remove(rel);
      if (e == null) {
        note("unexpected node " + path);
        return;
      }
      if (!e.holds(data)) {
        note("data differs at " + path + " (" + (data == null ? "null" : data.length + " bytes") + " live)");
      }
      if (!e.acl().equals(acl)) {
        note("ACL differs at " + path + ": expected " + AclText.describe(e.acl()) + ", live "
            + AclText.describe(acl));
      }
    }

    Optional<String> end() {
      want.paths().stream().sorted().forEach(rel -> note("missing node " + TreeIndex.show(rel)));
      if (total == 0) {
        return Optional.empty();
      }
      String text = String.join("; ", shown);
      if (total > shown.size()) {
        text += "; and " + (total - shown.size()) + " more differences";
      }
      return Optional.of(text);
    }

    private void note(String difference) {
      total++;
      if (shown.size() < MAX_REPORTED) {
        shown.add(difference);
      }
    }
  }
}
