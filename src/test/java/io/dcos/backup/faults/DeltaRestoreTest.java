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
    // Data changed and nodes deleted; a leaf's ACL changed; a node with children given another ACL; a subtree added;
    // the root's data changed.
    changeAndDelete(state + "/pods/3", 6, 4);
    String leaf = state + "/pods/4/shared-4";
    world.admin.setACL().withACL(FaultWorld.ACLS.get(1)).forPath(leaf);
    String withChildren = state + "/pods/5/" + world.admin.getChildren().forPath(state + "/pods/5").stream()
        .filter(c -> c.startsWith("pod-")).findFirst().orElseThrow();
    assertThat(world.admin.getChildren().forPath(withChildren)).isNotEmpty();
    world.admin.setACL().withACL(FaultWorld.ACLS.get(2)).forPath(withChildren);
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
    changeAndDelete(state + "/pods/1", 5, 3);
    world.admin.create().creatingParentsIfNeeded().forPath(state + "/pods/2/added/a/b", new byte[] {2});
    world.admin.setACL().withACL(FaultWorld.ACLS.get(1)).forPath(state + "/pods/3/" + world.admin.getChildren()
        .forPath(state + "/pods/3").get(0));
    List<String> before = world.liveFingerprint();
    assertThat(before).isNotEqualTo(backup);

    world.awaitElected(Duration.ofSeconds(20));
    BackupService dying = restoreThatDiesAt("backup-undo", "safety-undo", "wrote ");
    UndoLog undoLogs = new UndoLog(world.service.store());
    assertThat(undoLogs.exists("safety-undo")).as("the undo log, on disk before the first write").isTrue();
    loseSafetySnapshot("safety-undo");
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
    changeAndDelete(state + "/pods/2", 4, 1);
    world.admin.create().creatingParentsIfNeeded().forPath(state + "/pods/3/added/x", new byte[] {3});
    List<String> before = world.liveFingerprint();

    world.awaitElected(Duration.ofSeconds(20));
    BackupService dying = restoreThatDiesAt("backup-committed", "safety-committed",
        "restored; writing safety snapshot");
    loseSafetySnapshot("safety-committed");
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

  /** Gives the first {@code changed} children of {@code parent} other data; deletes the {@code deleted} after them. */
  private static void changeAndDelete(String parent, int changed, int deleted) throws Exception {
    List<String> children = world.admin.getChildren().forPath(parent);
    for (int i = 0; i < changed; i++) {
      byte[] data = ("changed " + i).getBytes(StandardCharsets.UTF_8);
      world.admin.setData().forPath(parent + "/" + children.get(i), data);
    }
    for (int i = changed; i < changed + deleted; i++) {
      world.admin.delete().deletingChildrenIfNeeded().forPath(parent + "/" + children.get(i));
    }
  }

  /**
   * A restore by an operator of its own that stops for good once it says {@code stage}, as a killed operator process
   * would; returned once it is there. Closing the service ends its ZooKeeper session, and with it the fence.
   */
  private static BackupService restoreThatDiesAt(String backupId, String safetyId, String stage) throws Exception {
    CountDownLatch reached = new CountDownLatch(1);
    BackupService dying = new BackupService(world.service.config());
    Thread restore = new Thread(() -> {
      try {
        dying.restore(backupId, safetyId, message -> {
          if (message.startsWith(stage)) {
            reached.countDown();
            try {
              new CountDownLatch(1).await();
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
    assertThat(reached.await(60, TimeUnit.SECONDS)).as("the first restore reached '%s'", stage).isTrue();
    return dying;
  }

  /**
   * The safety snapshot written beside the restore ends by itself; removing it stands for a crash before it reached
   * the disk.
   */
  private static void loseSafetySnapshot(String safetyId) throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> world.service.store().manifest(safetyId).isPresent());
    Files.delete(world.service.store().location(safetyId));
  }

  private static List<String> archived(String id) throws Exception {
    List<ZNode> nodes = new ArrayList<>();
    try (ArchiveReader reader = world.service.store().open(id)) {
      reader.nodes().forEachRemaining(nodes::add);
    }
    return FaultWorld.fingerprint(nodes);
  }
}
