package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;

/**
 * The state before a restore, rebuilt from a partly restored state and the undo log: every node the log names as it
 * was, every node it names as absent left out with what the restore created below it, every other node as it is.
 */
class StateBeforeRestoreTest {
  private static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;
  private static final List<ACL> LOCAL = List.of(new ACL(ZooDefs.Perms.ALL, new Id("ip", "127.0.0.1")));

  @Test
  void rebuildsTheEarlierTreeFromAMixAndTheLog() throws Exception {
    List<ZNode> before = List.of(node("", "root"), node("/a", "a"), node("/a/kept", "same"),
        node("/a/changed", "old"), node("/gone", "deleted by the restore"), node("/gone/child", "deleted too"),
        new ZNode("/acl", bytes("x"), OPEN), node("/untouched", "u"));
    // Part of the restore landed: /a/changed written, /gone deleted, /new created, /acl re-created with its ACL.
    List<ZNode> now = List.of(node("", "root"), node("/a", "a"), node("/a/kept", "same"), node("/a/changed", "new"),
        new ZNode("/acl", bytes("x"), LOCAL), node("/new", "created"), node("/new/below", "created"),
        node("/untouched", "u"));
    List<ZNode> earlier = List.of(node("/a/changed", "old"), node("/gone", "deleted by the restore"),
        node("/gone/child", "deleted too"), new ZNode("/acl", bytes("x"), OPEN));
    List<String> absent = List.of("/new", "/new/below", "/not-yet-created");

    List<ZNode> rebuilt = new ArrayList<>();
    StateBeforeRestore sink = new StateBeforeRestore(rebuilt::add, earlier, absent);
    for (ZNode n : now) {
      sink.accept(n);
    }
    sink.finish();

    assertThat(rebuilt).containsExactlyInAnyOrderElementsOf(before);
    assertThat(rebuilt.indexOf(node("/gone", "deleted by the restore")))
        .as("parents before children").isLessThan(rebuilt.indexOf(node("/gone/child", "deleted too")));
  }

  @Test
  void aStateTheRestoreHadNotYetTouchedComesBackAsItIs() throws Exception {
    List<ZNode> now = List.of(node("", "root"), node("/a", "a"), node("/a/changed", "old"));
    List<ZNode> rebuilt = new ArrayList<>();
    StateBeforeRestore sink = new StateBeforeRestore(rebuilt::add, List.of(node("/a/changed", "old")),
        List.of("/created-later"));
    for (ZNode n : now) {
      sink.accept(n);
    }
    sink.finish();
    assertThat(rebuilt).containsExactlyElementsOf(now);
  }

  private static ZNode node(String path, String data) {
    return new ZNode(path, bytes(data), OPEN);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
