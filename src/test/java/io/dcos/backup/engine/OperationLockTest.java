package io.dcos.backup.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.compat.OldZooKeeperServersTest;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The operation lock and the outcome journal on every server generation, 3.4.14 (DC/OS's) included. */
class OperationLockTest {
  private static final String LOCK = "/marathon/backup-operator-lock";

  @Tag("compat")
  @ParameterizedTest
  @ValueSource(strings = {"3.4.14", "3.9.5"})
  void excludesAcrossSessionsWithRequestsEveryServerKnows(String version) throws Exception {
    try (ZooKeeperProcess server = ZooKeeperProcess.start(OldZooKeeperServersTest.serverClasspath(version), "256m",
        Duration.ofSeconds(60));
         CuratorFramework a = connect(server.connectString());
         CuratorFramework b = connect(server.connectString())) {
      List<ConnectionState> states = Collections.synchronizedList(new ArrayList<>());
      a.getConnectionStateListenable().addListener((c, s) -> states.add(s));
      b.getConnectionStateListenable().addListener((c, s) -> states.add(s));

      OperationLock held = OperationLock.acquire(a, LOCK, ProgressListener.NONE);
      assertThat(OperationLock.tryAcquire(b, LOCK)).isEmpty();
      assertThat(a.getChildren().forPath(LOCK + "/locks")).hasSize(1); // the refused try left nothing behind

      List<String> waiting = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<OperationLock> second = CompletableFuture.supplyAsync(() -> {
        try {
          return OperationLock.acquire(b, LOCK, waiting::add);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> !waiting.isEmpty());
      assertThat(waiting.get(0)).contains("waiting for another operator's backup or restore").contains(LOCK);
      assertThat(second).isNotDone();

      held.close();
      OperationLock next = second.get(10, TimeUnit.SECONDS);
      assertThat(OperationLock.tryAcquire(a, LOCK)).isEmpty();
      next.close();
      Optional<OperationLock> free = OperationLock.tryAcquire(a, LOCK);
      assertThat(free).isPresent();
      free.get().close();

      OutcomeJournal journal = new OutcomeJournal(a, "/marathon");
      assertThat(journal.read("x")).isEmpty();
      journal.record("x", new OutcomeJournal.Outcome.Succeeded(42));
      assertThat(journal.read("x")).contains(new OutcomeJournal.Outcome.Succeeded(42));
      journal.record("x", new OutcomeJournal.Outcome.Failed("boom: it failed"));
      assertThat(new OutcomeJournal(b, "/marathon").read("x"))
          .contains(new OutcomeJournal.Outcome.Failed("boom: it failed"));

      assertThat(states).doesNotContain(ConnectionState.SUSPENDED, ConnectionState.LOST);
    }
  }

  /** An operator that still takes Curator's InterProcessSemaphoreMutex and this lock exclude each other. */
  @Test
  void excludesCuratorsSemaphoreMutexOnTheSamePath() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework a = connect(server.getConnectString());
         CuratorFramework b = connect(server.getConnectString())) {
      InterProcessSemaphoreMutex curators = new InterProcessSemaphoreMutex(a, LOCK);
      assertThat(curators.acquire(5, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<OperationLock> ours = CompletableFuture.supplyAsync(() -> {
        try {
          return OperationLock.acquire(b, LOCK, ProgressListener.NONE);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(1_500);
      assertThat(ours).as("waits while Curator's lease is held").isNotDone();
      curators.release();
      OperationLock held = ours.get(10, TimeUnit.SECONDS);

      InterProcessSemaphoreMutex again = new InterProcessSemaphoreMutex(a, LOCK);
      assertThat(again.acquire(1, TimeUnit.SECONDS)).as("Curator's recipe waits while this lock is held").isFalse();
      held.close();
      assertThat(again.acquire(5, TimeUnit.SECONDS)).isTrue();
      again.release();
    }
  }

  @Test
  void outcomesReadBackTypedAndUnknownTextIsAFailure() {
    assertThat(OutcomeJournal.decode(OutcomeJournal.encode(new OutcomeJournal.Outcome.Succeeded(7))))
        .isEqualTo(new OutcomeJournal.Outcome.Succeeded(7));
    assertThat(OutcomeJournal.decode(OutcomeJournal.encode(new OutcomeJournal.Outcome.Failed("restore failed: x"))))
        .isEqualTo(new OutcomeJournal.Outcome.Failed("restore failed: x"));
    assertThat(OutcomeJournal.encode(new OutcomeJournal.Outcome.Failed("restore failed: x")))
        .isEqualTo("{\"version\":1,\"kind\":\"FAILED\",\"message\":\"restore failed: x\"}");
    assertThat(OutcomeJournal.encode(new OutcomeJournal.Outcome.Succeeded(12)))
        .isEqualTo("{\"version\":1,\"kind\":\"SUCCEEDED\",\"znodes\":12}");
    assertThat(OutcomeJournal.decode("SUCCEEDED 12")).isEqualTo(new OutcomeJournal.Outcome.Succeeded(12));
    assertThat(OutcomeJournal.decode("FAILED restore failed: x"))
        .isEqualTo(new OutcomeJournal.Outcome.Failed("restore failed: x"));
    assertThat(OutcomeJournal.decode("garbage")).isInstanceOf(OutcomeJournal.Outcome.Failed.class);
    assertThat(OutcomeJournal.decode("{\"version\":1,\"kind\":\"SUCCEEDED\"}"))
        .isInstanceOf(OutcomeJournal.Outcome.Failed.class);
    assertThat(OutcomeJournal.decode("{not json")).isInstanceOf(OutcomeJournal.Outcome.Failed.class);
  }

  /** A journal an earlier operator version wrote ({@code SUCCEEDED <n>}, {@code FAILED <message>}) is replayed. */
  @Test
  void outcomesRecordedInTheEarlierPrefixedFormAreReplayed() throws Exception {
    try (TestingServer server = new TestingServer();
         CuratorFramework zk = connect(server.getConnectString())) {
      String outcomes = "/marathon" + OutcomeJournal.NODE;
      zk.create().creatingParentsIfNeeded().forPath(outcomes + "/restored", "SUCCEEDED 12".getBytes(UTF_8));
      zk.create().forPath(outcomes + "/failed", "FAILED restore failed: no quorum".getBytes(UTF_8));
      OutcomeJournal journal = new OutcomeJournal(zk, "/marathon");

      assertThat(journal.read("restored")).contains(new OutcomeJournal.Outcome.Succeeded(12));
      assertThat(journal.read("failed")).contains(new OutcomeJournal.Outcome.Failed("restore failed: no quorum"));
      List<String> progress = new ArrayList<>();
      RestoreOutcome replayed = journal.restore("b1", "restored", progress::add, () -> {
        throw new AssertionError("a finished restore is not run again");
      });
      assertThat(replayed.znodes()).isEqualTo(12);
      assertThat(progress).containsExactly("restore of b1 was finished by an earlier attempt");
      assertThatThrownBy(() -> journal.restore("b1", "failed", ProgressListener.NONE, () -> {
        throw new AssertionError("a failed restore is not run again");
      })).isInstanceOf(OperationFailedException.class).hasMessage("restore failed: no quorum");
      assertThatThrownBy(() -> journal.backup("failed", () -> {
        throw new AssertionError("a failed backup is not run again");
      })).isInstanceOf(OperationFailedException.class).hasMessage("restore failed: no quorum");

      journal.record("restored", new OutcomeJournal.Outcome.Succeeded(13));
      assertThat(new String(zk.getData().forPath(outcomes + "/restored"), UTF_8)).startsWith("{");
      assertThat(journal.read("restored")).contains(new OutcomeJournal.Outcome.Succeeded(13));
    }
  }

  private static CuratorFramework connect(String connectString) throws Exception {
    return ZkConnector.connect(ZkTarget.parse("zk://" + connectString + "/marathon"), Duration.ofSeconds(15),
        Duration.ofSeconds(15));
  }
}
