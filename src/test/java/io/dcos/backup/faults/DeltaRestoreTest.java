package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A restore takes its safety snapshot with a pre-copy, most of it while Marathon still runs, and then writes only where
 * the live state differs from the backup. With writes going on until the fence, the safety snapshot must hold exactly
 * the state at the fence point (the state a rollback returns to); the restored state must be exactly the backup,
 * whatever kind of difference there was.
 */
class DeltaRestoreTest {
  @RegisterExtension
  static final FaultWorld world = FaultWorld.perClass();

  @Test
  void theSafetySnapshotOfABusyMarathonIsTheStateAtTheFencePoint() throws Exception {
    world.put(world.tree(3, 2000, 5));
    world.service.backup("backup-b", "backup", world.progress::add);
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(4, 2500, 5));
    List<String> beforeTheRestore = world.liveFingerprint();

    List<String> said = new CopyOnWriteArrayList<>();
    AtomicReference<List<String>> atTheFencePoint = new AtomicReference<>();
    Writer writer = new Writer(new Random(7));
    writer.start();
    world.service.restore("backup-b", "safety-busy", message -> {
      said.add(message);
      if (message.startsWith("restarting Marathon")) {
        writer.finish(); // the pre-copy's online pass is over: from here on only the fence point counts
      }
      // Said under the fence, after the safety snapshot and before the restore's first write.
      if (message.startsWith("writing ") && atTheFencePoint.get() == null) {
        try {
          atTheFencePoint.set(world.liveFingerprint());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });

    writer.finish();
    assertThat(writer.writes).as("writes during the online pass").isGreaterThan(20);
    assertThat(said).anyMatch(m -> m.startsWith("state at the fence point known: "));
    assertThat(atTheFencePoint.get()).isNotEqualTo(beforeTheRestore);
    assertThat(archived("safety-busy")).isEqualTo(atTheFencePoint.get());
  }

  /** Changes, deletes and re-creates nodes below pods/ until told to finish. */
  private static final class Writer extends Thread {
    private final Random random;
    private volatile boolean finished;
    volatile int writes;

    Writer(Random random) {
      super("safety-snapshot-writer");
      this.random = random;
    }

    @Override
    public void run() {
      while (!finished) {
        String node = FaultWorld.STATE + "/pods/" + Integer.toHexString(random.nextInt(16)) + "/written-"
            + random.nextInt(40);
        byte[] data = ("write " + writes).getBytes(StandardCharsets.UTF_8);
        try {
          if (world.admin.checkExists().forPath(node) == null) {
            world.admin.create().forPath(node, data);
          } else if (random.nextBoolean()) {
            world.admin.setData().forPath(node, data);
          } else {
            world.admin.delete().forPath(node);
          }
          writes++;
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    void finish() {
      finished = true;
      try {
        join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void onlyWhatDiffersIsWrittenAndTheResultIsExactlyTheBackup() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(5, 1500, 3));
    world.service.backup("backup-small-change", "small", world.progress::add);
    List<String> backup = archived("backup-small-change");

    String state = FaultWorld.STATE;
    List<String> pods = world.admin.getChildren().forPath(state + "/pods/3");
    // Data changed; a leaf's ACL changed; a node with children given another ACL; nodes deleted; a subtree added;
    // the root's data changed.
    for (int i = 0; i < 6; i++) {
      world.admin.setData().forPath(state + "/pods/3/" + pods.get(i), ("changed " + i).getBytes(StandardCharsets.UTF_8));
    }
    String leaf = state + "/pods/4/shared-4";
    world.admin.setACL().withACL(FaultWorld.ACLS.get(1)).forPath(leaf);
    String withChildren = state + "/pods/5/" + world.admin.getChildren().forPath(state + "/pods/5").stream()
        .filter(c -> c.startsWith("pod-")).findFirst().orElseThrow();
    assertThat(world.admin.getChildren().forPath(withChildren)).isNotEmpty();
    world.admin.setACL().withACL(FaultWorld.ACLS.get(2)).forPath(withChildren);
    for (int i = 6; i < 10; i++) {
      world.admin.delete().deletingChildrenIfNeeded().forPath(state + "/pods/3/" + pods.get(i));
    }
    world.admin.create().creatingParentsIfNeeded().forPath(state + "/pods/6/added/a/b", new byte[] {1});
    world.admin.setData().forPath(state, "another root".getBytes(StandardCharsets.UTF_8));
    assertThat(world.liveFingerprint()).isNotEqualTo(backup);

    List<String> said = new CopyOnWriteArrayList<>();
    world.awaitElected(Duration.ofSeconds(20));
    world.service.restore("backup-small-change", "safety-small-change", said::add);

    assertThat(world.liveFingerprint()).as("the restored state").isEqualTo(backup);
    Matcher wrote = Pattern.compile("wrote (\\d+) znodes and deleted (\\d+) where").matcher(String.join("\n", said));
    assertThat(wrote.find()).as("the restore said what it wrote: %s", said).isTrue();
    long written = Long.parseLong(wrote.group(1));
    long deleted = Long.parseLong(wrote.group(2));
    assertThat(written).as("of %d znodes", backup.size()).isBetween(10L, 120L);
    assertThat(deleted).isBetween(5L, 40L);
    assertThat(said).anyMatch(m -> m.matches("verifying: \\d+ znodes read back, the rest proven unchanged by the "
        + "pre-copy's watches"));
  }

  /**
   * Under the fence only the restore writes; a write by anything else after the delta went out is not one the restore
   * made, and the watches that prove the rest of the tree must tell of it.
   */
  @Test
  void aStrayWriteUnderTheFenceFailsTheVerificationAndTheRestoreRollsBack() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(8, 1200, 2));
    world.service.backup("backup-stray", "stray", world.progress::add);
    String state = FaultWorld.STATE;
    String changed = state + "/pods/2/" + world.admin.getChildren().forPath(state + "/pods/2").get(0);
    world.admin.setData().forPath(changed, "changed after the backup".getBytes(StandardCharsets.UTF_8));
    List<String> before = world.liveFingerprint();
    String stray = state + "/pods/7/" + world.admin.getChildren().forPath(state + "/pods/7").get(0);

    world.awaitElected(Duration.ofSeconds(20));
    assertThatThrownBy(() -> world.service.restore("backup-stray", "safety-stray", message -> {
      if (message.startsWith("wrote ") && message.contains("where the live state differed")) {
        try {
          world.admin.setData().forPath(stray, "a stray write".getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    })).isInstanceOf(OperationFailedException.class)
        .hasMessageContaining("restored state differs from archive backup-stray: data differs at " + stray)
        .hasMessageContaining("rolled back to how it was before the restore (safety snapshot safety-stray)");
    assertThat(world.liveFingerprint()).as("the state at the fence point, the stray write undone").isEqualTo(before);
  }

  private static List<String> archived(String id) throws Exception {
    List<ZNode> nodes = new ArrayList<>();
    try (ArchiveReader reader = world.service.store().open(id)) {
      reader.nodes().forEachRemaining(nodes::add);
    }
    return FaultWorld.fingerprint(nodes);
  }
}
