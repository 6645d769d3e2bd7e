package io.dcos.backup.control;

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
 * Runs backups and restores one at a time per Marathon, in the order asked, off the reconcile threads — so a long
 * operation never blocks status updates and a second request waits its turn (DC/OS failed it: "lock is already
 * held"). Each Marathon (MarathonCluster) has a lane of its own: operations on different Marathons run in parallel,
 * and one whose ZooKeeper does not answer holds up only its own lane.
 */
public final class OperationQueue implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationQueue.class);

  public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }

  /** What a reconciler may read about an operation; immutable. */
  public record Operation(String key, String description, State state, String progress, Object result,
      Exception failure, Instant startedAt, Instant finishedAt, String lane) {
    Operation with(State newState, String newProgress, Object newResult, Exception newFailure, Instant now) {
      Instant started = startedAt == null && newState != State.QUEUED ? now : startedAt;
      Instant finished = newState == State.SUCCEEDED || newState == State.FAILED ? now : null;
      return new Operation(key, description, newState, newProgress, newResult, newFailure, started, finished, lane);
    }

    public boolean isFinished() {
      return state == State.SUCCEEDED || state == State.FAILED;
    }
  }

  @FunctionalInterface
  public interface Work {
    Object run(ProgressListener progress) throws Exception;
  }

  /** The lane of the {@code default} MarathonCluster, which {@link #submit(String, String, Work, Runnable)} uses. */
  public static final String DEFAULT_LANE = "default";

  /** One single-threaded executor per lane (MarathonCluster name), created on first use. */
  private final Map<String, ExecutorService> lanes = new LinkedHashMap<>();
  private final Map<String, Operation> operations = new LinkedHashMap<>();
  /** Each operation's onChange: the queued ones hear when the one ahead of them starts, so their status says so. */
  private final Map<String, Runnable> listeners = new java.util.HashMap<>();
  private final Clock clock;
  private boolean closing;

  public OperationQueue(Clock clock) {
    this.clock = clock;
  }

  /** {@link #submit(String, String, String, Work, Runnable)} in the {@code default} cluster's lane. */
  public synchronized Operation submit(String key, String description, Work work, Runnable onChange) {
    return submit(DEFAULT_LANE, key, description, work, onChange);
  }

  /**
   * Queues work under key in a lane (a MarathonCluster's name) unless something is already queued or known under
   * it; onChange runs on every change.
   */
  public synchronized Operation submit(String lane, String key, String description, Work work, Runnable onChange) {
    Operation existing = operations.get(key);
    if (existing != null) {
      return existing;
    }
    Operation queued = new Operation(key, description, State.QUEUED, null, null, null, null, null, lane);
    if (closing) {
      return queued; // shutting down: the object stays non-terminal and the next operator process runs it
    }
    operations.put(key, queued);
    listeners.put(key, onChange);
    // The submitting reconcile's log context (object, backup ID) follows the work onto the operation thread.
    Map<String, String> logContext = MDC.getCopyOfContextMap();
    ExecutorService executor = lanes.computeIfAbsent(lane, name -> Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "backup-operation-" + name);
      thread.setDaemon(true);
      return thread;
    }));
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
    queuedBehind(key).forEach(Runnable::run);
    try {
      Object result = work.run(message -> {
        if (transition(key, State.RUNNING, message, null, null)) {
          onChange.run();
          // Status shows only the latest stage; the log keeps every one, with the object in its context.
          LOG.info("{}", message);
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

  /** The onChange of every operation still queued in key's lane. */
  private synchronized java.util.List<Runnable> queuedBehind(String key) {
    String lane = laneOf(key);
    return operations.values().stream().filter(op -> op.state() == State.QUEUED && op.lane().equals(lane))
        .map(op -> listeners.get(op.key())).filter(java.util.Objects::nonNull).toList();
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

  /** The operation running now in key's lane, if another than key: what a queued request waits for. */
  public synchronized Optional<Operation> runningOtherThan(String key) {
    String lane = laneOf(key);
    return operations.values().stream()
        .filter(op -> op.state() == State.RUNNING && !op.key().equals(key) && op.lane().equals(lane))
        .findFirst();
  }

  /** What a queued operation waits for, in the words its status shows (naming its Marathon). */
  public synchronized String waitingMessage(String key) {
    String lane = laneOf(key);
    return runningOtherThan(key)
        .map(op -> "waiting for " + op.description() + " to finish (one backup or restore at a time per Marathon: "
            + "MarathonCluster " + lane + ")")
        .orElse("waiting to start (position " + Math.max(1, queuePosition(key)) + " in the queue of MarathonCluster "
            + lane + ")");
  }

  private String laneOf(String key) {
    Operation op = operations.get(key);
    return op == null ? DEFAULT_LANE : op.lane();
  }

  /** Position among the operations queued in key's lane (1 = next), or 0 when not queued. */
  public synchronized int queuePosition(String key) {
    String lane = laneOf(key);
    int position = 0;
    for (Operation op : operations.values()) {
      if (op.state() == State.QUEUED && op.lane().equals(lane)) {
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
    listeners.remove(key);
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
    java.util.List<ExecutorService> executors;
    synchronized (this) {
      closing = true;
      operations.values().removeIf(op -> op.state() == State.QUEUED);
      executors = java.util.List.copyOf(lanes.values());
    }
    executors.forEach(ExecutorService::shutdown);
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      for (ExecutorService executor : executors) {
        long left = deadline - System.nanoTime();
        if (!grace.isZero() && !executor.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          LOG.warn("a running backup or restore did not finish within the shutdown grace of {} s; interrupting it",
              grace.toSeconds());
        }
      }
      executors.forEach(ExecutorService::shutdownNow);
      for (ExecutorService executor : executors) {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      executors.forEach(ExecutorService::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }
}
