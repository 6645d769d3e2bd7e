package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state as it was before a restore started writing, rebuilt from the state as it is now (partly restored) and
 * the restore's undo log. Every node the restore could write or delete has its earlier version in the log, or is
 * listed there as absent then; so every node the log does not name is as it was. Streams a snapshot of the state now
 * through {@link #accept}, then {@link #finish()}: parents before children, as a snapshot's stream is.
 */
public final class StateBeforeRestore implements ZNodeSink {
  private final ZNodeSink target;
  private final Map<String, ZNode> earlier = new HashMap<>();
  private final Set<String> absentEarlier;
  private final Set<String> streamed = new HashSet<>();

  /**
   * @param earlierNodes the log's nodes as they were before the restore wrote
   * @param absent       the log's paths that had no node before the restore wrote
   */
  public StateBeforeRestore(ZNodeSink target, Collection<ZNode> earlierNodes, Collection<String> absent) {
    this.target = target;
    for (ZNode node : earlierNodes) {
      earlier.put(node.relativePath(), node);
    }
    this.absentEarlier = new HashSet<>(absent);
  }

  @Override
  public void accept(ZNode now) throws IOException {
    String rel = now.relativePath();
    if (absentAtOrAbove(rel)) {
      return; // created by the restore
    }
    ZNode before = earlier.get(rel);
    target.accept(before != null ? before : now);
    if (before != null) {
      streamed.add(rel);
    }
  }

  /** The logged nodes the restore had deleted, parents first. */
  public void finish() throws IOException {
    List<ZNode> deleted = new ArrayList<>();
    for (ZNode node : earlier.values()) {
      if (!streamed.contains(node.relativePath())) {
        deleted.add(node);
      }
    }
    deleted.sort(Comparator.comparingLong((ZNode n) -> depth(n.relativePath())).thenComparing(ZNode::relativePath));
    for (ZNode node : deleted) {
      target.accept(node);
    }
  }

  private boolean absentAtOrAbove(String rel) {
    for (String p = rel; !p.isEmpty(); p = p.substring(0, p.lastIndexOf('/'))) {
      if (absentEarlier.contains(p)) {
        return true;
      }
    }
    return false;
  }

  private static long depth(String rel) {
    return rel.chars().filter(c -> c == '/').count();
  }
}
