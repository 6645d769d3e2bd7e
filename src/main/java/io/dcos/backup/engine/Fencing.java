package io.dcos.backup.engine;

import io.dcos.backup.marathon.FenceException;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonException;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.marathon.MarathonInfo;
import java.time.Duration;
import java.time.Instant;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of Marathon: asking it for its version, taking the fence ({@link MarathonFence}) and leaving it.
 * One per operation's target; holds no state of its own.
 */
final class Fencing {
  private static final Logger LOG = LoggerFactory.getLogger(Fencing.class);

  private final TargetConfig config;

  Fencing(TargetConfig config) {
    this.config = config;
  }

  /** How long Marathon had no leader, and why that is worth a warning (null: nothing to say). */
  record Released(Duration leaderless, String warning) {}

  MarathonClient marathonClient() {
    return new MarathonClient(config.marathonUrl(), config.marathonCredentials(), config.marathonRequestTimeout(),
        config.marathonTrust());
  }

  MarathonFence acquire(CuratorFramework zk, MarathonClient marathon, ProgressListener progress)
      throws MarathonException, FenceException, InterruptedException {
    return MarathonFence.acquire(zk, config.zookeeper().latchPath(), marathon, config.fence(), progress::progress);
  }

  /** As {@link #acquire(CuratorFramework, MarathonClient, ProgressListener)} with a new client. */
  MarathonFence acquire(CuratorFramework zk, ProgressListener progress)
      throws MarathonException, FenceException, InterruptedException {
    return acquire(zk, marathonClient(), progress);
  }

  /**
   * The fence on a state that holds an unfinished restore's sentinel. Every Marathon elected there refuses the state
   * and exits, so the election churns and one acquisition may lose a race with it (a leader gone between the listing
   * and the abdication, a dead operator's node not yet expired). No Marathon can lead until this restore ends, so a
   * failed attempt only prolongs that: it is taken again, bounded by the recovery timeout, as long as the failure is
   * not a refusal (401/403).
   */
  MarathonFence acquireOnGuardedState(CuratorFramework zk, ProgressListener progress)
      throws MarathonException, FenceException, InterruptedException {
    long deadline = System.nanoTime() + config.fence().recoveryTimeout().toNanos();
    MarathonClient marathon = marathonClient();
    for (int attempt = 1; ; attempt++) {
      try {
        return acquire(zk, marathon, progress);
      } catch (MarathonException | FenceException e) {
        boolean refusal = e instanceof MarathonException m && (m.kind() == MarathonException.Kind.UNAUTHORIZED
            || m.kind() == MarathonException.Kind.FORBIDDEN);
        if (refusal || System.nanoTime() - deadline > 0) {
          throw e;
        }
        LOG.warn("fence attempt {} on the guarded state failed ({}); taking it again", attempt, e.getMessage());
        progress.progress("taking the fence again (attempt " + (attempt + 1) + "): " + e.getMessage());
        Thread.sleep(Math.max(50, config.fence().pollInterval().toMillis()));
      }
    }
  }

  /**
   * Marathon's version, waiting (bounded by the fence's recovery timeout) while it restarts or elects a leader —
   * the previous operation may just have restarted it (DC/OS restarts Marathon 15 s after it exits). Wrong
   * credentials fail at once.
   */
  MarathonInfo describeMarathon(MarathonClient marathon, ProgressListener progress)
      throws MarathonException, InterruptedException {
    long deadline = System.nanoTime() + config.fence().recoveryTimeout().toNanos();
    while (true) {
      try {
        return marathon.info();
      } catch (MarathonException e) {
        boolean transient_ = e.kind() == MarathonException.Kind.UNREACHABLE
            || e.kind() == MarathonException.Kind.NO_LEADER;
        // nanoTime() values may wrap: only their difference is meaningful.
        if (!transient_ || System.nanoTime() - deadline > 0) {
          throw e;
        }
        progress.progress("waiting for Marathon: " + e.getMessage());
        Thread.sleep(Math.max(50, config.fence().pollInterval().toMillis()));
      }
    }
  }

  /**
   * Releases the fence after the operation succeeded. Marathon not electing a leader within the recovery timeout
   * does not undo a verified archive or restored state: the fence is already left and Marathon recovers by itself,
   * so this is a warning on the outcome, not a failure.
   */
  static Released releaseAfterSuccess(MarathonFence fence, String what, ProgressListener progress)
      throws InterruptedException {
    Instant since = Instant.now();
    try {
      return new Released(fence.release(), null);
    } catch (FenceException e) {
      LOG.warn("the {} is complete and verified, but: {}", what, e.getMessage());
      progress.progress("the " + what + " is complete and verified, but: " + e.getMessage());
      return new Released(Duration.between(since, Instant.now()), e.getMessage());
    }
  }

  /** The rollback is written and verified by then; Marathon not coming back in time must not undo that. */
  static void releaseQuietly(MarathonFence fence, ProgressListener progress) throws InterruptedException {
    try {
      fence.release();
    } catch (FenceException e) {
      LOG.warn("after the rollback: {}", e.getMessage());
      progress.progress("after the rollback: " + e.getMessage());
    }
  }
}
