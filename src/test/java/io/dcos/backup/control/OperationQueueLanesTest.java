package io.dcos.backup.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** One lane per MarathonCluster: serial within a lane, parallel across lanes; messages name the lane. */
class OperationQueueLanesTest {

  @Test
  void lanesRunInParallelAndEachRunsOneAtATime() throws Exception {
    try (OperationQueue queue = new OperationQueue(Clock.systemUTC())) {
      CountDownLatch holdA = new CountDownLatch(1);
      queue.submit("a", "first", "Backup ns/first", progress -> {
        holdA.await();
        return null;
      }, () -> { });
      queue.submit("a", "second", "Backup ns/second", progress -> "done", () -> { });
      queue.submit("a", "third", "Backup ns/third", progress -> "done", () -> { });
      CountDownLatch ranB = new CountDownLatch(1);
      queue.submit("b", "other", "Backup ns/other", progress -> {
        ranB.countDown();
        return "done";
      }, () -> { });

      await().atMost(Duration.ofSeconds(10)).until(() -> queue.isRunning("first"));
      assertThat(ranB.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("lane b is not held up by lane a").isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> queue.get("other").orElseThrow().isFinished());
      assertThat(queue.get("second").orElseThrow().state()).isEqualTo(OperationQueue.State.QUEUED);
      assertThat(queue.waitingMessage("second")).isEqualTo("waiting for Backup ns/first to finish (one backup or "
          + "restore at a time per Marathon: MarathonCluster a)");
      assertThat(queue.queuePosition("third")).as("positions count only the lane's own operations").isEqualTo(2);

      holdA.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> queue.get("third").orElseThrow().isFinished());
      var second = queue.get("second").orElseThrow();
      var third = queue.get("third").orElseThrow();
      assertThat(second.finishedAt()).isBeforeOrEqualTo(third.startedAt());
      assertThat(queue.get("first").orElseThrow().finishedAt()).isBeforeOrEqualTo(second.startedAt());
    }
  }

  @Test
  void withoutALaneItIsTheDefaultClustersQueue() {
    try (OperationQueue queue = new OperationQueue(Clock.systemUTC())) {
      CountDownLatch hold = new CountDownLatch(1);
      queue.submit("running", "Backup ns/running", progress -> {
        hold.await();
        return null;
      }, () -> { });
      queue.submit("waiting", "Backup ns/waiting", progress -> null, () -> { });
      await().atMost(Duration.ofSeconds(10)).until(() -> queue.isRunning("running"));
      assertThat(queue.get("waiting").orElseThrow().lane()).isEqualTo(OperationQueue.DEFAULT_LANE);
      assertThat(queue.waitingMessage("waiting")).endsWith("MarathonCluster default)");
      hold.countDown();
    }
  }
}
