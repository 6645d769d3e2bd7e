package io.dcos.backup.reconciler;

import io.dcos.backup.engine.ProgressListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs backups and restores one at a time, in the order asked, off the reconcile threads — so a long operation never
 * blocks status updates and a second request waits its turn (DC/OS failed it: "lock is already held").
 */
public final class OperationQueue implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationQueue.class);

  public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }

  /** What a reconciler may read about an operation; immutable. */
  public record Operation(String key, String description, State state, String progress, Object result,
      Exception failure, Instant startedAt, Instant finishedAt) {
    Operation with(State newState, String newProgress, Object newResult, Exception newFailure, Instant now) {
      Instant started = startedAt == null && newState != State.QUEUED ? now : startedAt;
      Instant finished = newState == State.SUCCEEDED || newState == State.FAILED ? now : null;
      return new Operation(key, description, newState, newProgress, newResult, newFailure, started, finished);
    }

    public boolean isFinished() {
      return state == State.SUCCEEDED || state == State.FAILED;
    }
  }

  @FunctionalInterface
  public interface Work {
    Object run(ProgressListener progress) throws Exception;
  }

  private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "backup-operation");
    thread.setDaemon(true);
    return thread;
  });
  private final Map<String, Operation> operations = new LinkedHashMap<>();
  private final Clock clock;
  private boolean closing;

  public OperationQueue(Clock clock) {
    this.clock = clock;
  }

  /** Queues work under key unless something is already queued or known under it; onChange runs on every change. */
  public synchronized Operation submit(String key, String description, Work work, Runnable onChange) {
    Operation existing = operations.get(key);
    if (existing != null) {
      return existing;
    }
    Operation queued = new Operation(key, description, State.QUEUED, null, null, null, null, null);
    if (closing) {
      return queued; // shutting down: the object stays non-terminal and the next operator process runs it
    }
    operations.put(key, queued);
    // The submitting reconcile's log context (object, backup ID) follows the work onto the operation thread.
    Map<String, String> logContext = MDC.getCopyOfContextMap();
    executor.execute(() -> {
      if (logContext != null) {
        MDC.setContextMap(logContext);
      }
      try {
        run(key, work, onChange);
      } finally {
        MDC.clear();
      }
    });
    return queued;
  }

  private void run(String key, Work work, Runnable onChange) {
    if (!transition(key, State.RUNNING, "starting", null, null)) {
      return; // cancelled while queued
    }
    onChange.run();
    try {
      Object result = work.run(message -> {
        if (transition(key, State.RUNNING, message, null, null)) {
          onChange.run();
        }
      });
      transition(key, State.SUCCEEDED, null, result, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      transition(key, State.FAILED, null, null, e);
    } catch (Exception e) {
      transition(key, State.FAILED, null, null, e);
    } catch (Error e) {
      // Out of memory, say: the object must still reach a terminal phase rather than show RUNNING for ever.
      LOG.error("backup or restore {} aborted by {}", key, e.toString());
      transition(key, State.FAILED, null, null, new Exception("operation aborted: " + e, e));
    }
    onChange.run();
  }

  private synchronized boolean transition(String key, State state, String progress, Object result, Exception failure) {
    Operation current = operations.get(key);
    if (current == null) {
      return false;
    }
    operations.put(key, current.with(state, progress != null ? progress : current.progress(), result, failure,
        clock.instant()));
    return true;
  }

  public synchronized Optional<Operation> get(String key) {
    return Optional.ofNullable(operations.get(key));
  }

  /** The operation running now, if another than key: what a queued request waits for. */
  public synchronized Optional<Operation> runningOtherThan(String key) {
    return operations.values().stream()
        .filter(op -> op.state() == State.RUNNING && !op.key().equals(key))
        .findFirst();
  }

  /** What a queued operation waits for, in the words its status shows. */
  public synchronized String waitingMessage(String key) {
    return runningOtherThan(key)
        .map(op -> "waiting for " + op.description() + " to finish (one backup or restore at a time per Marathon)")
        .orElse("waiting to start (position " + Math.max(1, queuePosition(key)) + " in queue)");
  }

  /** Position among queued operations (1 = next), or 0 when not queued. */
  public synchronized int queuePosition(String key) {
    int position = 0;
    for (Operation op : operations.values()) {
      if (op.state() == State.QUEUED) {
        position++;
        if (op.key().equals(key)) {
          return position;
        }
      }
    }
    return 0;
  }

  /**
   * Drops a finished operation, or cancels a queued one; a running one cannot be taken back. Reconcilers drop a
   * finished one only once their cache shows its terminal status: until then a reconcile on a stale cache finds the
   * outcome here instead of running the operation again.
   */
  public synchronized boolean forget(String key) {
    Operation op = operations.get(key);
    if (op == null || op.state() == State.RUNNING) {
      return false;
    }
    operations.remove(key);
    return true;
  }

  public synchronized boolean isRunning(String key) {
    Operation op = operations.get(key);
    return op != null && op.state() == State.RUNNING;
  }

  /** Stops at once: a running operation is interrupted (a restore then rolls back as best it can). */
  @Override
  public void close() {
    close(Duration.ZERO);
  }

  /**
   * Stops taking work and lets the running operation finish within {@code grace} before interrupting it: a restore
   * interrupted halfway leaves Marathon's state to be put right by the next operator process, so a graceful
   * shutdown (SIGTERM on a rolling update) waits for it. Queued operations are not started; their objects stay
   * non-terminal and the next process runs them.
   */
  public void close(Duration grace) {
    synchronized (this) {
      closing = true;
      operations.values().removeIf(op -> op.state() == State.QUEUED);
    }
    executor.shutdown();
    try {
      if (!grace.isZero() && !executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("the running backup or restore did not finish within the shutdown grace of {} s; interrupting it",
            grace.toSeconds());
      }
      executor.shutdownNow();
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
