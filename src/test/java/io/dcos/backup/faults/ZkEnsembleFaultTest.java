package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.faults.ZkFaultProxy.Action;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, item 5: a 3-server ensemble; the server the operator is connected to is killed in the middle of a backup
 * and of a restore (both complete), and the quorum is lost in the middle of a backup (fails, nothing committed) and
 * of a restore (fails, rolled back exactly once quorum returns). The operator reaches the servers through one
 * {@link ZkFaultProxy} each, so the fault hits exactly the server carrying its requests.
 */
@Tag("slow")
class ZkEnsembleFaultTest {
  @RegisterExtension
  static final FaultWorld world = FaultWorld.onEnsemble(3);

  /** Per proxy: when {@code trigger} first matches a request through it, kill its server (and more if asked). */
  private AtomicBoolean killOn(java.util.function.Predicate<ZkFaultProxy.Request> trigger, int servers) {
    AtomicBoolean fired = new AtomicBoolean();
    for (int i = 0; i < world.proxies.size(); i++) {
      InstanceSpec mine = world.specs().get(i);
      world.proxies.get(i).setRule(r -> {
        if (trigger.test(r) && fired.compareAndSet(false, true)) {
          world.cluster().killServer(mine);
          int more = servers - 1;
          for (InstanceSpec other : world.specs()) {
            if (more > 0 && !other.equals(mine)) {
              world.cluster().killServer(other);
              more--;
            }
          }
          return Action.DROP;
        }
        return Action.FORWARD;
      });
    }
    return fired;
  }

  private boolean fenceHeld() {
    return world.progress.stream().anyMatch(p -> p.startsWith("Fence held"));
  }

  /** The archive's nodes, fingerprinted like the live tree. */
  private List<String> archiveFingerprint(String id) throws Exception {
    List<ZNode> nodes = new ArrayList<>();
    try (ArchiveReader reader = world.service.store().open(id)) {
      reader.nodes().forEachRemaining(nodes::add);
    }
    return FaultWorld.fingerprint(nodes);
  }

  /**
   * The operator's connection drops with its server; it reconnects to another one within its session, so its latch
   * node — the fence — never left, and the snapshot is taken again under the same fence: the backup completes.
   */
  @Test
  void serverKilledMidBackupTheBackupCompletes() throws Exception {
    world.put(world.tree(2, 2000, 10));
    List<String> b = world.liveFingerprint();
    AtomicInteger reads = new AtomicInteger();
    AtomicBoolean fired = killOn(r -> (r.type() == ZkFaultProxy.OP_MULTI_READ || r.type() == 4) && fenceHeld()
        && reads.incrementAndGet() == 5, 1);
    // The whole snapshot under the fence, the path whose reads this kills (PreCopyTest attacks the pre-copy's).
    BackupOutcome outcome = world.service.backup("mid-backup", "killed", BackupOptions.FENCED_WHOLE,
        world.progress::add);
    assertThat(fired).isTrue();
    assertThat(outcome.manifest().znodes()).isEqualTo(b.size());
    assertThat(world.service.store().verify("mid-backup").znodes()).isEqualTo(b.size());
    assertThat(archiveFingerprint("mid-backup")).as("archive of a backup whose server died").isEqualTo(b);
    assertThat(world.progress).noneMatch(l -> l.contains("fence is lost"));
    assertThat(world.liveFingerprint()).isEqualTo(b);
  }

  /**
   * As above, in the middle of the restore's write batches: a batch in flight may or may not have been applied, the
   * restore is written again under the same fence and completes with exactly the backup.
   */
  @Test
  void serverKilledMidRestoreTheRestoreCompletes() throws Exception {
    world.put(world.tree(2, 2000, 10));
    List<String> b = world.liveFingerprint();
    world.service.backup("backup-b", "bbb", world.progress::add);
    world.put(world.tree(1, 1500, 10));
    assertThat(world.liveFingerprint()).isNotEqualTo(b);
    AtomicInteger batches = new AtomicInteger();
    AtomicBoolean fired = killOn(r -> r.isFencedWriteBatch() && batches.incrementAndGet() == 4, 1);
    RestoreOutcome outcome = world.service.restore("backup-b", "safety-kill", world.progress::add);
    assertThat(fired).isTrue();
    assertThat(outcome.znodes()).isEqualTo(b.size());
    assertThat(world.liveFingerprint()).as("state after a restore whose server died").isEqualTo(b);
    assertThat(world.progress).noneMatch(l -> l.contains("fence is lost"));
    // The retry rewrote the whole state: the outcome, which the final status message is made from, says why.
    assertThat(outcome.preCopyNotUsed()).contains("retried after a dropped connection");
  }

  /**
   * Quorum lost for longer than the operator's session timeout: the session, and with it the fence, is gone. (A quorum
   * back within the session timeout is, to the operator, a failover like the one above: its fence provably held, it
   * completes.) Quorum returns only once the operator said it lost the fence; the rollback waits for it.
   */
  @Test
  void quorumLostMidRestoreFailsAndIsRolledBackWhenQuorumReturns() throws Exception {
    quorumLostMidRestore(Duration.ofSeconds(1));
  }

  /**
   * Quorum away for longer than the rollback's patience (session timeout + fence acquire timeout, 30 s here): the
   * restore does not give up and end as a finished failure over a half-written state; it keeps rolling back, saying
   * so, and the state ends exactly as before once quorum is back.
   */
  @Test
  void quorumLostForLongerThanTheRollbacksPatienceIsStillRolledBack() throws Exception {
    quorumLostMidRestore(Duration.ofSeconds(35));
    assertThat(world.progress).anyMatch(p -> p.contains("partly restored until a rollback succeeds"));
  }

  /** Quorum returns {@code downAfterFenceLost} after the operator said it lost the fence. */
  private void quorumLostMidRestore(Duration downAfterFenceLost) throws Exception {
    world.put(world.tree(2, 2000, 10));
    world.service.backup("backup-b", "bbb", world.progress::add);
    world.put(world.tree(1, 1500, 10));
    List<String> a = world.liveFingerprint();
    AtomicInteger batches = new AtomicInteger();
    List<InstanceSpec> killed = new ArrayList<>();
    AtomicBoolean fired = new AtomicBoolean();
    for (int i = 0; i < world.proxies.size(); i++) {
      InstanceSpec mine = world.specs().get(i);
      world.proxies.get(i).setRule(r -> {
        if (r.isFencedWriteBatch() && batches.incrementAndGet() == 4 && fired.compareAndSet(false, true)) {
          world.cluster().killServer(mine);
          killed.add(mine);
          InstanceSpec other = world.specs().stream().filter(s -> !s.equals(mine)).findFirst().orElseThrow();
          world.cluster().killServer(other);
          killed.add(other);
          // Quorum returns once the session has been lost, while the operator keeps trying to roll back.
          Thread t = new Thread(() -> {
            try {
              long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
              while (world.progress.stream().noneMatch(p -> p.contains("fence is lost"))
                  && System.nanoTime() - deadline < 0) {
                Thread.sleep(100);
              }
              Thread.sleep(downAfterFenceLost.toMillis());
              for (InstanceSpec s : killed) {
                world.cluster().restartServer(s);
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
          t.setDaemon(true);
          t.start();
          return Action.DROP;
        }
        return Action.FORWARD;
      });
    }
    assertThatThrownBy(() -> world.service.restore("backup-b", "safety-quorum", world.progress::add))
        .isInstanceOf(OperationFailedException.class)
        .hasMessageContaining("rolled back to how it was before the restore (safety snapshot safety-quorum)");
    assertThat(fired).isTrue();
    assertThat(world.liveFingerprint()).isEqualTo(a);
  }

  /** No quorum and it does not come back: fails once the session is lost, naming the cause; nothing is committed. */
  @Test
  void quorumLostMidBackupFailsWithinTheSessionTimeoutAndCommitsNoArchive() throws Exception {
    world.put(world.tree(2, 2000, 10));
    AtomicInteger reads = new AtomicInteger();
    AtomicBoolean fired = killOn(r -> (r.type() == ZkFaultProxy.OP_MULTI_READ || r.type() == 4) && fenceHeld()
        && reads.incrementAndGet() == 5, 2);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> world.service.backup("no-quorum", "noquorum", BackupOptions.FENCED_WHOLE,
        world.progress::add))
        .isInstanceOf(OperationFailedException.class)
        .hasMessageStartingWith("backup failed: lost the connection to ZooKeeper during the snapshot")
        .hasMessageContaining("session")
        .hasMessageNotContaining("jute.maxbuffer");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(fired).isTrue();
    assertThat(took).as("time to fail with a 10 s session timeout").isLessThan(Duration.ofSeconds(45));
    assertThat(world.service.archive("no-quorum")).isEmpty();
    try (Stream<Path> files = Files.list(world.backupDirectory())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.contains("no-quorum"));
    }
  }
}
