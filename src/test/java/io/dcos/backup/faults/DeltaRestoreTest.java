package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.UndoLog;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  /**
   * The operator dies after the first writes of a delta restore, before the safety snapshot written beside them is on
   * disk (only its undo log is). The restore resumed by another operator rebuilds the safety snapshot from the state
   * it finds and the undo log, then finishes: the state is the backup, and the safety snapshot the state before.
   */
  @Test
  void aRestoreThatDiesBeforeItsSafetySnapshotIsWholeIsResumedFromItsUndoLog() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(9, 1500, 3));
    world.service.backup("backup-undo", "undo", world.progress::add);
    List<String> backup = archived("backup-undo");
    String state = FaultWorld.STATE;
    List<String> pods = world.admin.getChildren().forPath(state + "/pods/1");
    for (int i = 0; i < 5; i++) {
      world.admin.setData().forPath(state + "/pods/1/" + pods.get(i), ("changed " + i).getBytes(StandardCharsets.UTF_8));
    }
    for (int i = 5; i < 8; i++) {
      world.admin.delete().deletingChildrenIfNeeded().forPath(state + "/pods/1/" + pods.get(i));
    }
    world.admin.create().creatingParentsIfNeeded().forPath(state + "/pods/2/added/a/b", new byte[] {2});
    world.admin.setACL().withACL(FaultWorld.ACLS.get(1)).forPath(state + "/pods/3/" + world.admin.getChildren()
        .forPath(state + "/pods/3").get(0));
    List<String> before = world.liveFingerprint();
    assertThat(before).isNotEqualTo(backup);

    world.awaitElected(Duration.ofSeconds(20));
    CountDownLatch wrote = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    BackupService dying = new BackupService(world.service.config());
    Thread restore = new Thread(() -> {
      try {
        dying.restore("backup-undo", "safety-undo", message -> {
          if (message.startsWith("wrote ")) {
            wrote.countDown();
            try {
              never.await(); // the operator process stops here for good
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
      } catch (Exception | Error ignored) {
        // a dead operator says nothing
      }
    }, "dying-restore");
    restore.setDaemon(true);
    restore.start();
    assertThat(wrote.await(60, TimeUnit.SECONDS)).as("the first restore wrote the difference").isTrue();
    UndoLog undoLogs = new UndoLog(world.service.store());
    assertThat(undoLogs.exists("safety-undo")).as("the undo log, on disk before the first write").isTrue();
    // The snapshot beside the write ends by itself; removing it stands for a crash before it reached the disk.
    await().atMost(Duration.ofSeconds(60)).until(() -> world.service.store().manifest("safety-undo").isPresent());
    Files.delete(world.service.store().location("safety-undo"));
    dying.close(); // its ZooKeeper session, and with it the fence, ends; the state keeps the sentinel
    assertThat(world.service.guarded()).as("a half-written state is guarded").isPresent();

    List<String> said = new CopyOnWriteArrayList<>();
    world.service.restore("backup-undo", "safety-undo", said::add);

    assertThat(said).anyMatch(m -> m.startsWith("resuming: rebuilding safety snapshot safety-undo from the state now"));
    assertThat(world.liveFingerprint()).as("the restored state").isEqualTo(backup);
    assertThat(archived("safety-undo")).as("the rebuilt safety snapshot: the state before the restore")
        .isEqualTo(before);
    assertThat(undoLogs.exists("safety-undo")).as("the undo log, once the state is no longer guarded").isFalse();
  }

  /**
   * The operator dies after the restore committed and the fence was released, before the safety snapshot written
   * beside the write is on disk. The restore run again rebuilds it from the backup and the undo log.
   */
  @Test
  void aRestoreThatDiesAfterItsCommitRebuildsItsSafetySnapshotFromTheBackup() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(11, 1500, 3));
    world.service.backup("backup-committed", "committed", world.progress::add);
    List<String> backup = archived("backup-committed");
    String state = FaultWorld.STATE;
    List<String> pods = world.admin.getChildren().forPath(state + "/pods/2");
    for (int i = 0; i < 4; i++) {
      world.admin.setData().forPath(state + "/pods/2/" + pods.get(i), ("changed " + i).getBytes(StandardCharsets.UTF_8));
    }
    world.admin.delete().deletingChildrenIfNeeded().forPath(state + "/pods/2/" + pods.get(4));
    world.admin.create().creatingParentsIfNeeded().forPath(state + "/pods/3/added/x", new byte[] {3});
    List<String> before = world.liveFingerprint();

    world.awaitElected(Duration.ofSeconds(20));
    CountDownLatch committed = new CountDownLatch(1);
    BackupService dying = new BackupService(world.service.config());
    Thread restore = new Thread(() -> {
      try {
        dying.restore("backup-committed", "safety-committed", message -> {
          if (message.startsWith("restored; writing safety snapshot")) {
            committed.countDown();
            try {
              new CountDownLatch(1).await(); // the operator process stops here for good
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
      } catch (Exception | Error ignored) {
        // a dead operator says nothing
      }
    }, "dying-restore");
    restore.setDaemon(true);
    restore.start();
    assertThat(committed.await(60, TimeUnit.SECONDS)).as("the first restore committed").isTrue();
    await().atMost(Duration.ofSeconds(60)).until(() -> world.service.store().manifest("safety-committed").isPresent());
    Files.delete(world.service.store().location("safety-committed"));
    dying.close();
    assertThat(world.service.guarded()).as("a committed state holds no sentinel").isEmpty();

    List<String> said = new CopyOnWriteArrayList<>();
    world.awaitElected(Duration.ofSeconds(20));
    world.service.restore("backup-committed", "safety-committed", said::add);

    assertThat(said).anyMatch(m -> m.startsWith("resuming: rebuilding safety snapshot safety-committed from backup "
        + "backup-committed and the undo log"));
    assertThat(archived("safety-committed")).as("the rebuilt safety snapshot: the state before the restore")
        .isEqualTo(before);
    assertThat(world.liveFingerprint()).as("the restored state").isEqualTo(backup);
    assertThat(new UndoLog(world.service.store()).exists("safety-committed")).isFalse();
  }

  /** A delta restore leaves no undo log behind, and its safety snapshot is the state before it. */
  @Test
  void aDeltaRestoreWritesItsSafetySnapshotBesideTheWriteAndKeepsNoUndoLog() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(10, 1200, 3));
    world.service.backup("backup-beside", "beside", world.progress::add);
    world.admin.setData().forPath(FaultWorld.STATE + "/pods/4/" + world.admin.getChildren()
        .forPath(FaultWorld.STATE + "/pods/4").get(0), "changed".getBytes(StandardCharsets.UTF_8));
    List<String> before = world.liveFingerprint();
    List<String> said = new CopyOnWriteArrayList<>();
    world.awaitElected(Duration.ofSeconds(20));
    world.service.restore("backup-beside", "safety-beside", said::add);

    // The changed node, and the storage version the sentinel replaces.
    assertThat(said).anyMatch(m -> m.matches("undo log of safety snapshot safety-beside on disk \\([12] znodes as "
        + "they are, [01] absent\\).*"));
    assertThat(archived("safety-beside")).isEqualTo(before);
    assertThat(new UndoLog(world.service.store()).exists("safety-beside")).isFalse();
  }

  private static List<String> archived(String id) throws Exception {
    List<ZNode> nodes = new ArrayList<>();
    try (ArchiveReader reader = world.service.store().open(id)) {
      reader.nodes().forEachRemaining(nodes::add);
    }
    return FaultWorld.fingerprint(nodes);
  }
}
