package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonFence;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work under the Marathon fence, run again when the ZooKeeper connection drops under it: the snapshot of a backup (or
 * of a restore's safety snapshot) and a restore's write-and-verify.
 *
 * <p>A dropped connection fails an attempt (a reader may have read part of the tree twice or not at all; a multi() in
 * flight may or may not have been applied). As long as the fence is provably still held — the client reconnected
 * within its session and the latch node is still there — no Marathon wrote in the meantime, so the work is simply run
 * again, up to {@link #ATTEMPTS} times: every piece of work given here is idempotent (a snapshot goes into a fresh
 * archive writer, a restore deletes what is there and writes the archive). Each attempt runs under a
 * {@link ZkConnectionWatch}, which blames a failure on the connection whenever the connection dropped during it, and
 * interrupts the attempt when Curator declares the session lost.
 *
 * <p>What the caller makes of the end — a lost fence, attempts exhausted — is its own message: {@link #run} returns a
 * typed {@link Result} rather than throwing one.
 */
final class FencedAttempt {
  private static final Logger LOG = LoggerFactory.getLogger(FencedAttempt.class);
  /** Attempts of a snapshot or of a restore's write-and-verify when the ZooKeeper connection drops under it. */
  static final int ATTEMPTS = 3;

  /** One attempt's work; {@code attempt} counts from 1. */
  @FunctionalInterface
  interface Work<T> {
    Step<T> run(int attempt) throws Exception;
  }

  /** What one attempt's work came to, when it did not throw. */
  sealed interface Step<T> permits Step.Done, Step.Again, Step.Refused {
    /** Finished; the fence is judged afterwards (see {@link Result.Finished}). */
    record Done<T>(T value) implements Step<T> {}

    /** Run the work again at once, as the next attempt; it said why itself (and is given no more than it may). */
    record Again<T>() implements Step<T> {}

    /** Give up with this message, whatever the connection did. */
    record Refused<T>(OperationFailedException reason) implements Step<T> {}

    static <T> Step<T> done(T value) {
      return new Done<>(value);
    }
  }

  /** How the attempts ended, when they did not end in a failure that is not the connection's. */
  sealed interface Result<T> permits Result.Finished, Result.ConnectionLost {
    /**
     * The work finished. {@code sessionLost}: the session was lost while it ran; whether the fence is still held is
     * left to the caller (a snapshot must check it before committing, a verified restore need not).
     */
    record Finished<T>(T value, boolean sessionLost) implements Result<T> {}

    /**
     * The last attempt failed because of the connection: either the fence is no longer certainly held
     * ({@code fenceHeld} false: the session, and the fence with it, are gone) or {@link #ATTEMPTS} were spent.
     */
    record ConnectionLost<T>(Exception failure, boolean fenceHeld, int attempts) implements Result<T> {}
  }

  private final CuratorFramework zk;
  /** {@link MarathonFence#isHeld()}: asked only after a connection trouble, as it reads ZooKeeper. */
  private final BooleanSupplier fenceHeld;
  private final ProgressListener progress;

  FencedAttempt(CuratorFramework zk, BooleanSupplier fenceHeld, ProgressListener progress) {
    this.zk = zk;
    this.fenceHeld = fenceHeld;
    this.progress = progress;
  }

  /**
   * Runs {@code work} until it finishes, fails for a reason other than the connection (thrown as is), or the
   * connection takes the fence or the attempts. Between attempts it says so: "the ZooKeeper connection dropped during
   * {@code what}; reconnected within the session, the fence is still held: {@code again}".
   */
  <T> Result<T> run(String what, String again, Work<T> work) throws Exception {
    for (int attempt = 1; ; attempt++) {
      Step<T> step = null;
      Exception failure = null;
      boolean connectionTrouble;
      boolean sessionLost;
      try (ZkConnectionWatch watch = ZkConnectionWatch.start(zk)) {
        try {
          step = work.run(attempt);
        } catch (InterruptedException e) {
          if (!watch.sessionLost()) {
            throw e;
          }
          failure = e; // interrupted by the watch: the session is gone
        } catch (Exception e) {
          failure = e;
        }
        connectionTrouble = failure != null && watch.explains(failure);
        sessionLost = watch.sessionLost();
      }
      if (step instanceof Step.Again) {
        continue;
      }
      if (step instanceof Step.Refused<T> refused) {
        throw refused.reason();
      }
      if (step instanceof Step.Done<T> done) {
        return new Result.Finished<>(done.value(), sessionLost);
      }
      if (!connectionTrouble) {
        throw failure;
      }
      boolean held = !sessionLost && fenceHeld.getAsBoolean();
      if (held && attempt < ATTEMPTS) {
        LOG.warn("{} attempt {} failed after the ZooKeeper connection dropped ({}); the fence is still held: {}",
            what, attempt, OperationFailures.describe(failure), again);
        progress.progress("the ZooKeeper connection dropped during " + what + "; reconnected within the session, "
            + "the fence is still held: " + again);
        continue;
      }
      return new Result.ConnectionLost<>(failure, held, attempt);
    }
  }
}
