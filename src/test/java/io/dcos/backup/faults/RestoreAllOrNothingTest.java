package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.faults.ZkFaultProxy.Action;
import io.dcos.backup.faults.ZkFaultProxy.Request;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guarantee 1 of issue 3: a restore ends with {@code <zk>/state} exactly as before or exactly as the backup, byte for
 * byte with ACLs, whatever stage fails. Faults are injected on the wire ({@link ZkFaultProxy}), not in the code.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreAllOrNothingTest {
  private static final String BACKUP_ID = "backup-b";

  @RegisterExtension
  static final FaultWorld world = FaultWorld.perClass();
  private List<ZNode> treeA;
  private List<String> a;
  private List<String> b;
  /** The fenced write batches of a clean restore of B over A, in order. */
  private List<Request> batches;
  private final AtomicInteger cases = new AtomicInteger();

  @BeforeAll
  void startWorld() throws Exception {
    List<ZNode> treeB = world.tree(2, 3000, 25);
    treeA = world.tree(1, 2500, 20);
    world.put(treeB);
    b = world.liveFingerprint();
    world.service.backup(BACKUP_ID, "backup", world.progress::add);
    world.put(treeA);
    a = world.liveFingerprint();
    assertThat(a).isNotEqualTo(b);

    // Calibrate: a clean restore, recording its write batches.
    world.proxy().clearSeen();
    RestoreOutcome outcome = world.service.restore(BACKUP_ID, "safety-clean", world.progress::add);
    assertThat(outcome.znodes()).isEqualTo(b.size());
    assertThat(world.liveFingerprint()).isEqualTo(b);
    batches = world.proxy().seen().stream().filter(Request::isFencedWriteBatch).toList();
    assertThat(batches).as("enough batches for 'after k of n' to mean something").hasSizeGreaterThanOrEqualTo(10);
    assertThat(batches.get(0).writes(ZkFaultProxy.OP_DELETE)).isTrue();
  }

  private void resetToA() throws Exception {
    world.setRule(r -> Action.FORWARD);
    world.awaitElected(Duration.ofSeconds(20));
    world.put(treeA);
  }

  private int firstBatchWithCreate() {
    for (int i = 0; i < batches.size(); i++) {
      if (batches.get(i).writes(ZkFaultProxy.OP_CREATE)) {
        return i + 1;
      }
    }
    throw new AssertionError("no create batch");
  }

  /** Fails the k-th fenced write batch (1-based) once, with the given action; earlier batches are applied. */
  private ZkFaultProxy.Rule atBatch(int k, Action action) {
    AtomicInteger n = new AtomicInteger();
    AtomicBoolean fired = new AtomicBoolean();
    return r -> r.isFencedWriteBatch() && n.incrementAndGet() == k && fired.compareAndSet(false, true) ? action
        : Action.FORWARD;
  }

  private void assertRolledBack(String safetyId, ZkFaultProxy.Rule rule) throws Exception {
    resetToA();
    world.setRule(rule);
    assertThatThrownBy(() -> world.service.restore(BACKUP_ID, safetyId, world.progress::add))
        .isInstanceOf(OperationFailedException.class)
        .hasMessageStartingWith("restore failed: ")
        .hasMessageContaining("rolled back to how it was before the restore (safety snapshot " + safetyId + ")");
    assertThat(world.liveFingerprint()).as("state after a failed restore").isEqualTo(a);
    assertThat(world.service.archive(safetyId)).isPresent();
    try (Stream<Path> files = Files.list(world.backupDirectory())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
    }
    world.awaitElected(Duration.ofSeconds(20));
  }

  @TestFactory
  Stream<DynamicTest> atomicFailureOfBatchKRollsBackToTheStateBefore() {
    int n = batches.size();
    int firstCreate = firstBatchWithCreate();
    List<Integer> ks = new ArrayList<>(List.of(1, 2, firstCreate - 1, firstCreate, firstCreate + 1, (firstCreate + n) / 2,
        n));
    return ks.stream().filter(k -> k >= 1 && k <= n).distinct().map(k -> dynamicTest(
        "batch " + k + " of " + n + " fails (first create batch: " + firstCreate + ")",
        () -> assertRolledBack("safety-poison-" + k + "-" + cases.incrementAndGet(),
            atBatch(k, Action.POISON_LAST_OP))));
  }

  /**
   * A dropped connection is not a lost session: the fence is still held after reconnecting, the batch in flight may
   * or may not have been applied, and the restore (idempotent) is written again: it completes with exactly B.
   */
  @TestFactory
  Stream<DynamicTest> connectionLostAtBatchKTheRestoreIsWrittenAgainAndCompletes() {
    int n = batches.size();
    int firstCreate = firstBatchWithCreate();
    return Stream.of(2, firstCreate, n).distinct().map(k -> dynamicTest(
        "connection lost when sending batch " + k + " of " + n,
        () -> {
          resetToA();
          world.progress.clear();
          world.setRule(atBatch(k, Action.DROP));
          world.service.restore(BACKUP_ID, "safety-drop-" + k + "-" + cases.incrementAndGet(), world.progress::add);
          assertThat(world.liveFingerprint()).as("state after a restore whose connection dropped").isEqualTo(b);
          assertThat(world.progress).anyMatch(l -> l.contains("writing " + BACKUP_ID + " again"));
          world.awaitElected(Duration.ofSeconds(20));
        }));
  }

  @Test
  void fenceCheckFailingRightAfterTheSafetySnapshotRollsBack() throws Exception {
    // The restorer's first request to write is a multi() holding only the fence check.
    AtomicBoolean fired = new AtomicBoolean();
    assertRolledBack("safety-check-" + cases.incrementAndGet(), r -> r.type() == ZkFaultProxy.OP_MULTI
        && r.opTypes().equals(List.of(ZkFaultProxy.OP_CHECK)) && fired.compareAndSet(false, true)
        ? Action.POISON_CHECK : Action.FORWARD);
    assertThat(fired).isTrue();
  }

  @Test
  void fencedCheckFailingInTheMiddleRollsBack() throws Exception {
    assertRolledBack("safety-midcheck-" + cases.incrementAndGet(), atBatch(batches.size() / 2, Action.POISON_CHECK));
  }

  @Test
  void verificationMismatchRollsBack() throws Exception {
    // After the last batch of the tree (the final batch, which writes the real storage version, waits for the
    // verification), the verifier syncs before it reads: change a node behind the operator's back first.
    AtomicInteger written = new AtomicInteger();
    AtomicBoolean fired = new AtomicBoolean();
    String victim = FaultWorld.STATE + "/pods/3/shared-3";
    String safetyId = "safety-verify-" + cases.incrementAndGet();
    resetToA();
    world.setRule(r -> {
      if (r.isFencedWriteBatch()) {
        written.incrementAndGet();
      } else if (r.type() == ZkFaultProxy.OP_SYNC && written.get() >= batches.size() - 1
          && fired.compareAndSet(false, true)) {
        world.admin.setData().forPath(victim, "rogue".getBytes());
      }
      return Action.FORWARD;
    });
    assertThatThrownBy(() -> world.service.restore(BACKUP_ID, safetyId, world.progress::add))
        .isInstanceOf(OperationFailedException.class)
        .hasMessageContaining("restored state differs from archive " + BACKUP_ID)
        .hasMessageContaining("data differs at " + victim)
        .hasMessageContaining("rolled back to how it was before the restore");
    assertThat(fired).isTrue();
    assertThat(world.liveFingerprint()).isEqualTo(a);
  }

  @Test
  void aCleanRestoreAfterAllThoseFaultsStillGivesTheBackup() throws Exception {
    resetToA();
    world.service.restore(BACKUP_ID, "safety-final-" + cases.incrementAndGet(), world.progress::add);
    assertThat(world.liveFingerprint()).isEqualTo(b);
  }
}
