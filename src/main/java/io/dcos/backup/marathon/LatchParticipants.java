package io.dcos.backup.marathon;

import io.dcos.backup.zookeeper.ProtectedEphemeralNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/** Reads a Curator {@code LeaderLatch}'s participants in election order, as Curator and Marathon order them. */
final class LatchParticipants {

  /** What Curator's LeaderLatch names its nodes before the sequence number. */
  static final String NODE_NAME = "latch-";

  record Participant(String path, long sequence, String data) {}

  private LatchParticipants() {}

  /** Participants sorted by sequence number; the first one leads. Nodes that vanish while reading are skipped. */
  static List<Participant> list(CuratorFramework zk, String latchPath) throws Exception {
    List<String> children;
    try {
      children = zk.getChildren().forPath(latchPath);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
    List<Participant> out = new ArrayList<>();
    for (String child : children) {
      long seq = sequenceOf(child);
      if (seq < 0) {
        continue;
      }
      String path = latchPath + "/" + child;
      try {
        byte[] data = zk.getData().forPath(path);
        out.add(new Participant(path, seq, data == null ? "" : new String(data, StandardCharsets.UTF_8)));
      } catch (KeeperException.NoNodeException gone) {
        // it left while we listed: not a participant any more
      }
    }
    out.sort(Comparator.comparingLong(Participant::sequence));
    return out;
  }

  static long sequenceOf(String nodeName) {
    return ProtectedEphemeralNode.sequenceOf(nodeName, NODE_NAME);
  }
}
