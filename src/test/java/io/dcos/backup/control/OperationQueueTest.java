package io.dcos.backup.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.control.OperationQueue.State;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OperationQueueTest {

  @Test
  void aGracefulCloseLetsTheRunningOperationFinishAndStartsNoQueuedOne() throws Exception {
    OperationQueue queue = new OperationQueue(Clock.systemUTC());
    CountDownLatch started = new CountDownLatch(1);
    queue.submit("restore", "a restore", progress -> {
      started.countDown();
      Thread.sleep(500); // an interrupt here would fail the operation
      return "done";
    }, () -> { });
    queue.submit("backup", "a backup", progress -> "should not run", () -> { });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    queue.close(Duration.ofSeconds(10));

    assertThat(queue.get("restore").orElseThrow().state()).isEqualTo(State.SUCCEEDED);
    assertThat(queue.get("restore").orElseThrow().result()).isEqualTo("done");
    assertThat(queue.get("backup")).as("queued work is left to the next operator process").isEmpty();
    assertThat(queue.submit("late", "a late backup", progress -> "x", () -> { }).state()).isEqualTo(State.QUEUED);
    Thread.sleep(100);
    assertThat(queue.get("late")).isEmpty();
  }

  @Test
  void anImmediateCloseInterruptsTheRunningOperation() throws Exception {
    OperationQueue queue = new OperationQueue(Clock.systemUTC());
    CountDownLatch started = new CountDownLatch(1);
    queue.submit("restore", "a restore", progress -> {
      started.countDown();
      Thread.sleep(60_000);
      return "done";
    }, () -> { });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    queue.close();

    assertThat(queue.get("restore").orElseThrow().state()).isEqualTo(State.FAILED);
    assertThat(queue.get("restore").orElseThrow().failure()).isInstanceOf(InterruptedException.class);
  }

  /** So a queued object's status says "waiting for X" while X runs, however short X is. */
  @Test
  void anOperationQueuedBehindHearsWhenTheOneAheadStarts() throws Exception {
    OperationQueue queue = new OperationQueue(Clock.systemUTC());
    CountDownLatch release = new CountDownLatch(1);
    List<String> secondSaw = Collections.synchronizedList(new ArrayList<>());
    queue.submit("first", "Backup ns/first", progress -> {
      release.await();
      return null;
    }, () -> { });
    queue.submit("second", "Backup ns/second", progress -> null,
        () -> secondSaw.add(queue.waitingMessage("second")));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> secondSaw.stream().anyMatch(m -> m.contains("waiting for Backup ns/first")));
    release.countDown();
    queue.close(Duration.ofSeconds(5));
  }

  @Test
  void anErrorEndsTheOperationFailedRatherThanRunningForEver() {
    OperationQueue queue = new OperationQueue(Clock.systemUTC());
    queue.submit("backup", "a backup", progress -> {
      throw new StackOverflowError("simulated");
    }, () -> { });
    await().atMost(Duration.ofSeconds(5)).until(() -> queue.get("backup").orElseThrow().isFinished());
    assertThat(queue.get("backup").orElseThrow().state()).isEqualTo(State.FAILED);
    assertThat(queue.get("backup").orElseThrow().failure()).hasMessageContaining("StackOverflowError");
    queue.close();
  }
}
