package io.dcos.backup.zookeeper;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.zookeeper.data.ACL;

/**
 * What a tree holds, by relative path, without its data: each node's ACL and a fingerprint of its data (the data
 * itself up to 32 bytes, else its SHA-256). A large archive can be compared or diffed against it without holding
 * the archive's data, and two indexes are compared without hashing anything again.
 */
public final class TreeIndex {
  private static final int MAX_REPORTED = 10;

  /** A node as indexed. */
  record Entry(byte[] fingerprint, List<ACL> acl) {
    boolean holds(byte[] data) {
      return Arrays.equals(fingerprint, TreeIndex.fingerprint(data));
    }

    boolean sameDataAs(Entry other) {
      return Arrays.equals(fingerprint, other.fingerprint);
    }
  }

  /** Sorted, so that a node's descendants form one range. */
  private final NavigableMap<String, Entry> entries = new TreeMap<>();
  // Nearly every node carries one of a handful of ACL lists; sharing them keeps the index small for big trees.
  private final Map<List<ACL>, List<ACL>> acls = new HashMap<>();

  /** Indexes {@code nodes}; a path listed twice is an error. */
  public static TreeIndex of(Iterator<ZNode> nodes) {
    TreeIndex index = new TreeIndex();
    while (nodes.hasNext()) {
      ZNode n = nodes.next();
      if (!index.add(n)) {
        throw new IllegalArgumentException("the node stream lists " + show(n.relativePath()) + " twice");
      }
    }
    return index;
  }

  /** A copy that shares the (immutable) entries. */
  TreeIndex copy() {
    TreeIndex copy = new TreeIndex();
    copy.entries.putAll(entries);
    copy.acls.putAll(acls);
    return copy;
  }

  /** False, and the earlier entry replaced, when {@code node}'s path was indexed already. */
  boolean add(ZNode node) {
    return entries.put(node.relativePath(), new Entry(fingerprint(node.data()),
        acls.computeIfAbsent(node.acl(), a -> a))) == null;
  }

  Entry get(String relativePath) {
    return entries.get(relativePath);
  }

  /** The entry of {@code relativePath}, removed from the index; null when it has none. */
  Entry remove(String relativePath) {
    return entries.remove(relativePath);
  }

  /** Removes the descendants of {@code relativePath} (not the node itself); returns their paths, parents first. */
  List<String> removeDescendants(String relativePath) {
    Map<String, Entry> below = entries.subMap(relativePath + "/", true, relativePath + "0", false);
    List<String> paths = new ArrayList<>(below.keySet());
    below.clear();
    return paths;
  }

  /** The paths still indexed (a view). */
  Set<String> paths() {
    return entries.keySet();
  }

  int size() {
    return entries.size();
  }

  /**
   * Empty when {@code actual} holds exactly what this index expects (paths, data, ACLs), else the first differences;
   * {@code rootPath} only names the nodes in what it reports. Neither index is changed.
   */
  public Optional<String> differencesFrom(TreeIndex actual, String rootPath) {
    List<String> shown = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, Entry> e : actual.entries.entrySet()) {
      Entry want = entries.get(e.getKey());
      String path = rootPath + e.getKey();
      String difference = null;
      if (want == null) {
        difference = "unexpected node " + path;
      } else if (!want.sameDataAs(e.getValue())) {
        difference = "data differs at " + path;
      } else if (!want.acl().equals(e.getValue().acl())) {
        difference = "ACL differs at " + path + ": expected " + AclText.describe(want.acl()) + ", live "
            + AclText.describe(e.getValue().acl());
      }
      if (difference != null && total++ < MAX_REPORTED) {
        shown.add(difference);
      }
    }
    for (String rel : entries.keySet()) {
      if (!actual.entries.containsKey(rel) && total++ < MAX_REPORTED) {
        shown.add("missing node " + show(rel));
      }
    }
    if (total == 0) {
      return Optional.empty();
    }
    String text = String.join("; ", shown);
    return Optional.of(total > shown.size() ? text + "; and " + (total - shown.size()) + " more differences" : text);
  }

  /**
   * The paths whose node differs between this index and {@code other}: held by only one of them, or held by both
   * with other data or another ACL. Neither index is changed.
   */
  public Set<String> pathsDifferingFrom(TreeIndex other) {
    Set<String> differing = new TreeSet<>();
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry theirs = other.entries.get(e.getKey());
      if (theirs == null || !theirs.sameDataAs(e.getValue()) || !theirs.acl().equals(e.getValue().acl())) {
        differing.add(e.getKey());
      }
    }
    for (String rel : other.entries.keySet()) {
      if (!entries.containsKey(rel)) {
        differing.add(rel);
      }
    }
    return differing;
  }

  /**
   * The paths of this index (a backup's) whose nodes a restore over a tree indexed as {@code live} writes: the root,
   * the storage version (the guard writes it last), every node that is missing in {@code live} or differs there, and
   * every node below one whose ACL differs (it is re-created with its subtree, see {@link StateRestorer}).
   */
  public Set<String> pathsToWriteOver(TreeIndex live) {
    Set<String> paths = new TreeSet<>();
    paths.add("");
    String version = StorageVersionGuard.relativePath();
    if (entries.containsKey(version)) {
      paths.add(version);
    }
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry now = live.entries.get(e.getKey());
      if (now == null || !now.sameDataAs(e.getValue())) {
        paths.add(e.getKey());
      } else if (!now.acl().equals(e.getValue().acl())) {
        paths.add(e.getKey());
        paths.addAll(entries.subMap(e.getKey() + "/", true, e.getKey() + "0", false).keySet());
      }
    }
    return paths;
  }

  /**
   * This index's nodes, parents first (in path order, in which a parent precedes its descendants): those in
   * {@code loaded} as loaded, the others with their ACL and no data, for a restore that writes only loaded ones
   * ({@link #pathsToWriteOver}). Writing one of the others fails ({@link #isUnloaded}).
   */
  public Iterator<ZNode> nodesLoadedFrom(Map<String, ZNode> loaded) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public ZNode next() {
        Map.Entry<String, Entry> e = it.next();
        ZNode node = loaded.get(e.getKey());
        return node != null ? node : new ZNode(e.getKey(), UNLOADED, e.getValue().acl());
      }
    };
  }

  /** Whether {@code data} is that of a node {@link #nodesLoadedFrom} gave without its data. */
  static boolean isUnloaded(byte[] data) {
    return data == UNLOADED;
  }

  private static final byte[] UNLOADED = new byte[0];

  static String show(String relativePath) {
    return relativePath.isEmpty() ? "<root>" : relativePath;
  }

  /** Tag byte keeps null, short raw data and digests from ever comparing equal to each other. */
  static byte[] fingerprint(byte[] data) {
    if (data == null) {
      return new byte[] {0};
    }
    if (data.length <= 32) {
      byte[] f = new byte[data.length + 1];
      f[0] = 1;
      System.arraycopy(data, 0, f, 1, data.length);
      return f;
    }
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    byte[] f = new byte[digest.length + 1];
    f[0] = 2;
    System.arraycopy(digest, 0, f, 1, digest.length);
    return f;
  }
}
