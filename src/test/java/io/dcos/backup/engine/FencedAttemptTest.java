package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fenced attempt and its retry, against a real in-process ZooKeeper; the fence is a stand-in answer. */
class FencedAttemptTest {
  private static TestingServer server;
  private static CuratorFramework zk;

  @BeforeAll
  static void start() throws Exception {
    server = new TestingServer(true);
    zk = ZkConnector.connect(ZkTarget.parse("zk://" + server.getConnectString() + "/marathon"), Duration.ofSeconds(30),
        Duration.ofSeconds(15));
  }

  @AfterAll
  static void stop() throws Exception {
    zk.close();
    server.close();
  }

  private final List<String> progress = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger fenceAsked = new AtomicInteger();

  private FencedAttempt attempt(boolean held) {
    return new FencedAttempt(zk, () -> {
      fenceAsked.incrementAndGet();
      return held;
    }, progress::add);
  }

  @Test
  void finishedWorkIsReturnedWithoutAskingTheFence() throws Exception {
    FencedAttempt.Result<String> result = attempt(true).run("the snapshot", "taking it again",
        n -> FencedAttempt.Step.done("read on attempt " + n));
    assertThat(result).isEqualTo(new FencedAttempt.Result.Finished<>("read on attempt 1", false));
    assertThat(fenceAsked).hasValue(0);
    assertThat(progress).isEmpty();
  }

  @Test
  void aConnectionLossIsRetriedWhileTheFenceIsHeldUpToTheAttempts() throws Exception {
    KeeperException loss = KeeperException.create(KeeperException.Code.CONNECTIONLOSS, "/marathon/state");
    AtomicInteger runs = new AtomicInteger();
    FencedAttempt.Result<String> result = attempt(true).run("the restore", "writing b1 again", n -> {
      runs.incrementAndGet();
      throw loss;
    });
    assertThat(result).isEqualTo(new FencedAttempt.Result.ConnectionLost<String>(loss, true, FencedAttempt.ATTEMPTS));
    assertThat(runs).hasValue(FencedAttempt.ATTEMPTS);
    assertThat(progress).hasSize(FencedAttempt.ATTEMPTS - 1).allMatch(p -> p.equals("the ZooKeeper connection "
        + "dropped during the restore; reconnected within the session, the fence is still held: writing b1 again"));
  }

  @Test
  void aConnectionLossWithTheFenceGoneEndsAtOnce() throws Exception {
    KeeperException loss = KeeperException.create(KeeperException.Code.SESSIONEXPIRED, "/marathon/state");
    FencedAttempt.Result<String> result = attempt(false).run("the snapshot", "taking it again", n -> {
      throw loss;
    });
    assertThat(result).isEqualTo(new FencedAttempt.Result.ConnectionLost<String>(loss, false, 1));
    assertThat(progress).isEmpty();
  }

  @Test
  void anyOtherFailureIsThrownAsItIsAndNotRetried() {
    AtomicInteger runs = new AtomicInteger();
    IllegalStateException bug = new IllegalStateException("a bug");
    assertThatThrownBy(() -> attempt(true).run("the snapshot", "taking it again", n -> {
      runs.incrementAndGet();
      throw bug;
    })).isSameAs(bug);
    assertThat(runs).hasValue(1);
    assertThat(fenceAsked).hasValue(0);
  }

  @Test
  void againCountsAsAnAttemptAndRefusedEndsWithItsReason() {
    OperationFailedException reason = new OperationFailedException("kept changing");
    List<Integer> attempts = new ArrayList<>();
    assertThatThrownBy(() -> attempt(true).run("the snapshot", "taking it again", n -> {
      attempts.add(n);
      return n < FencedAttempt.ATTEMPTS ? new FencedAttempt.Step.Again<String>()
          : new FencedAttempt.Step.Refused<String>(reason);
    })).isSameAs(reason);
    assertThat(attempts).containsExactly(1, 2, 3);
  }

  @Test
  void aFailureDuringARealDropIsBlamedOnTheConnectionAndRetried() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    FencedAttempt.Result<String> result = attempt(true).run("the snapshot", "taking it again", n -> {
      if (runs.incrementAndGet() == 1) {
        server.restart(); // the session survives a quick restart; the client sees SUSPENDED, then RECONNECTED
        await().atMost(Duration.ofSeconds(30)).until(() -> zk.getZookeeperClient().isConnected());
        throw new IllegalStateException("the reader made this of the dropped connection");
      }
      return FencedAttempt.Step.done("second");
    });
    assertThat(result).isEqualTo(new FencedAttempt.Result.Finished<>("second", false));
    assertThat(runs).hasValue(2);
    assertThat(fenceAsked).hasValue(1);
    assertThat(progress).singleElement().asString().contains("during the snapshot");
  }
}
