package io.dcos.backup.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/**
 * Marathon's {@code state/runtime-configuration/<bucket>/id} node, JSON {@code {"backup": URI, "restore": URI}}: at the
 * start of its leadership Marathon stores it back reset and then runs the built-in backup or restore it names. A state
 * that names one makes the next leader run it — after a restore of such a state, a restore from that URI replaces
 * the state just restored.
 */
public record RuntimeConfiguration(Optional<String> backup, Optional<String> restore) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CATEGORY = "runtime-configuration";
  private static final Pattern NODE = Pattern.compile("/" + CATEGORY + "/[^/]+/id");

  public static final RuntimeConfiguration NONE = new RuntimeConfiguration(Optional.empty(), Optional.empty());

  /** Whether {@code relativePath} (to {@code <zk>/state}) is the node. */
  public static boolean isNode(String relativePath) {
    return NODE.matcher(relativePath).matches();
  }

  /** Unreadable data counts as naming nothing: Marathon itself would fail on it, and say so. */
  public static RuntimeConfiguration parse(byte[] data) {
    if (data == null || data.length == 0) {
      return NONE;
    }
    try {
      JsonNode node = JSON.readTree(data);
      return new RuntimeConfiguration(uri(node, "backup"), uri(node, "restore"));
    } catch (IOException e) {
      return NONE;
    }
  }

  private static Optional<String> uri(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    if (value == null || !value.isTextual()) {
      return Optional.empty();
    }
    String text = value.asText().trim();
    return text.isEmpty() || text.equalsIgnoreCase("none") ? Optional.empty() : Optional.of(text);
  }

  /** What Marathon's next leader will run: "a restore from URI", "a backup to URI", both, or empty. */
  public Optional<String> pendingAction() {
    List<String> actions = new java.util.ArrayList<>();
    restore.ifPresent(uri -> actions.add("a restore from " + uri));
    backup.ifPresent(uri -> actions.add("a backup to " + uri));
    return actions.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", actions));
  }

  /** The node as it is in {@code statePath} now, NONE if absent. */
  public static RuntimeConfiguration live(ZooKeeper zk, String statePath) throws KeeperException,
      InterruptedException {
    String category = statePath + "/" + CATEGORY;
    try {
      for (String bucket : zk.getChildren(category, false)) {
        try {
          return parse(zk.getData(category + "/" + bucket + "/id", false, null));
        } catch (KeeperException.NoNodeException e) {
          // another bucket
        }
      }
    } catch (KeeperException.NoNodeException e) {
      // fresh Marathon
    }
    return NONE;
  }

  /** The node among an archive's nodes (relative path and data of each), NONE if absent. */
  public static <N> RuntimeConfiguration among(Iterator<N> nodes, java.util.function.Function<N, String> path,
      java.util.function.Function<N, byte[]> data) {
    while (nodes.hasNext()) {
      N n = nodes.next();
      if (isNode(path.apply(n))) {
        return parse(data.apply(n));
      }
    }
    return NONE;
  }
}
