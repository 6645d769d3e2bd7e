package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.faults.ZkFaultProxy.Action;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guarantee 2 of issue 3: the operator's ZooKeeper session expires in the middle of a restore (server-side, as when
 * the operator is partitioned for longer than the session timeout). Proved from the server's transaction log: no
 * write of the operator lands after the expiry until it holds the fence again, the restore fails saying why, and the
 * rollback (under the retaken fence) leaves the state exactly as before.
 */
class FenceTokenTest {
  private static final String BACKUP_ID = "backup-b";

  @RegisterExtension
  static final FaultWorld world = FaultWorld.perTest();

  /** Closes the session server-side, with its id and password: what the server does when it expires it. */
  private void expire(ZkFaultProxy.Session session) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(world.directConnect, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, session.id(), session.password());
    assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
    twin.close();
  }

  @Test
  void sessionExpiredMidRestoreNoWriteLandsAfterwardsAndTheStateIsRolledBack() throws Exception {
    world.put(world.tree(2, 2000, 10));
    List<String> b = world.liveFingerprint();
    world.service.backup(BACKUP_ID, "backup", world.progress::add);
    world.put(world.tree(1, 1500, 10));
    List<String> a = world.liveFingerprint();

    AtomicInteger batches = new AtomicInteger();
    AtomicLong expiredSession = new AtomicLong();
    world.setRule(r -> {
      if (r.isFencedWriteBatch() && batches.incrementAndGet() == 7 && expiredSession.get() == 0) {
        expiredSession.set(r.sessionId());
        expire(world.proxy().session(r.sessionId()));
      }
      return Action.FORWARD;
    });
    assertThatThrownBy(() -> world.service.restore(BACKUP_ID, "safety-expired", world.progress::add))
        .isInstanceOf(OperationFailedException.class)
        .hasMessageStartingWith("restore failed: ")
        .hasMessageContaining("rolled back to how it was before the restore (safety snapshot safety-expired)");
    assertThat(expiredSession.get()).isNotZero();
    assertThat(world.liveFingerprint()).as("state after the rollback").isEqualTo(a).isNotEqualTo(b);
    world.awaitElected(Duration.ofSeconds(20));

    List<TxnLog.Write> log = TxnLog.read(world.server().getTempDirectory());
    long expiry = log.stream().filter(w -> w.type() == TxnLog.CLOSE_SESSION && w.session() == expiredSession.get())
        .mapToLong(TxnLog.Write::zxid).min().orElseThrow(() -> new AssertionError("no closeSession in the log"));
    assertThat(log.stream().filter(w -> w.session() == expiredSession.get() && w.zxid() > expiry))
        .as("writes of the expired session after its expiry").isEmpty();
    // The operator's sessions are those that connected through the proxy.
    Set<Long> operator = log.stream().map(TxnLog.Write::session)
        .filter(s -> world.proxy().session(s) != null).collect(Collectors.toSet());
    long retaken = log.stream().filter(w -> w.zxid() > expiry && operator.contains(w.session())
            && w.path() != null && w.path().startsWith("/marathon/leader-curator/"))
        .mapToLong(TxnLog.Write::zxid).min().orElseThrow(() -> new AssertionError("fence never retaken"));
    assertThat(log.stream().filter(w -> operator.contains(w.session()) && w.zxid() > expiry && w.zxid() < retaken
            && w.path() != null && w.path().startsWith(FaultWorld.STATE)))
        .as("operator writes to the state between the expiry and retaking the fence").isEmpty();
    // And the restore really was cut short: some of the backup had been written before the expiry.
    assertThat(log.stream().filter(w -> w.session() == expiredSession.get() && w.path() != null
        && w.path().startsWith(FaultWorld.STATE + "/pods/") && w.path().contains("-s2-"))).isNotEmpty();
  }
}
