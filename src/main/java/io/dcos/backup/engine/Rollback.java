package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.store.ArchiveCorruptException;
import io.dcos.backup.zookeeper.FenceToken;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a restore's safety snapshot back over a partly restored state, until it succeeds.
 *
 * <p>A lost connection or quorum makes the first attempt fail too, and the fence may be going at the very moment we
 * look at it: keep trying (each attempt rewrites the whole saved state, so attempts are idempotent), taking the fence
 * again whenever it is not certainly ours. A partly restored state must not be left behind as a finished failure, so
 * this does not give up while the trouble can pass (ZooKeeper, Marathon, the fence): the Restore stays
 * STATUS_RESTORING, saying why, until ZooKeeper is back. Only a safety snapshot that cannot be read ends it.
 */
final class Rollback {
  private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration RETRY_PAUSE_MAX = Duration.ofSeconds(15);

  private final CuratorFramework zk;
  private final Fencing fencing;
  private final RestoreWrite write;
  private final String statePath;
  /** After this long a failing rollback is logged as an error: a ZooKeeper session expired and a fence retaken. */
  private final Duration persistence;

  Rollback(CuratorFramework zk, TargetConfig config, Fencing fencing, RestoreWrite write) {
    this.zk = zk;
    this.fencing = fencing;
    this.write = write;
    this.statePath = config.zookeeper().statePath();
    this.persistence = config.zkSessionTimeout().plus(config.fence().acquireTimeout());
  }

  /**
   * Rolls back to {@code safetyId} after {@code failure} stopped the restore of {@code backupId}; returns the failure
   * to throw, saying whether the state was rolled back. Returns only once it was, or the safety snapshot cannot be
   * read.
   */
  OperationFailedException run(MarathonFence fence, FenceToken token, String backupId, String safetyId,
      Throwable failure, ProgressListener progress) throws InterruptedException {
    String reason = failure instanceof OperationFailedException ? failure.getMessage()
        : OperationFailures.describe(failure);
    RestoreJournal.Entry entry = new RestoreJournal.Entry(backupId, safetyId, true, reason);
    if (Thread.interrupted()) {
      // Whatever stopped the write may have left the flag set; the state is half written, so the rollback runs
      // anyway. A new interruption during it still stops it (the next operator process then resumes the restore).
      LOG.warn("restore of safety snapshot {} interrupted; rolling back before stopping", safetyId);
    }
    LOG.warn("restore failed ({}); rolling back to safety snapshot {}", reason, safetyId);
    progress.progress("restore failed (" + reason + "); rolling back to " + safetyId);
    long warnAfter = System.nanoTime() + persistence.toNanos();
    boolean warned = false;
    Exception last = null;
    for (int attempt = 1; ; attempt++) {
      try {
        if (attempt == 1 && fence.isHeld()) {
          write.once(statePath, safetyId, entry, token, null, progress);
        } else {
          fence.close(); // a fence in doubt is no fence: leave the election before joining it again
          try (MarathonFence retaken = fencing.acquire(zk, progress)) {
            write.once(statePath, safetyId, entry, new FenceToken(retaken.latchNodePath(),
                retaken.latchNodeVersion()), null, progress);
            Fencing.releaseQuietly(retaken, progress);
          }
        }
        return new OperationFailedException("restore failed: " + reason
            + "; Marathon's state was rolled back to how it was before the restore (safety snapshot " + safetyId
            + ")", failure);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception rollbackFailure) {
        last = rollbackFailure;
        if (rollbackFailure instanceof ArchiveCorruptException || rollbackFailure instanceof NoSuchFileException) {
          break; // retrying cannot make the safety snapshot readable
        }
        long pause = Math.min(RETRY_PAUSE_MAX.toMillis(), RETRY_PAUSE.toMillis() * attempt);
        String why = OperationFailures.describe(rollbackFailure);
        if (!warned && System.nanoTime() - warnAfter >= 0) {
          warned = true;
          LOG.error("ROLLBACK to safety snapshot {} still failing after {} attempts ({}); Marathon's state is partly "
              + "restored until it succeeds; retrying every {} s", safetyId, attempt, why, pause / 1000);
        } else {
          LOG.warn("rollback attempt {} to safety snapshot {} failed ({}); retrying", attempt, safetyId, why);
        }
        progress.progress("restore failed (" + reason + "); rollback to " + safetyId + " attempt " + attempt
            + " failed (" + why + "): Marathon's state is partly restored until a rollback succeeds; retrying in "
            + Math.max(1, pause / 1000) + " s");
        Thread.sleep(pause);
      }
    }
    LOG.error("ROLLBACK FAILED for safety snapshot {}: {}", safetyId, OperationFailures.describe(last));
    return new OperationFailedException("restore failed: " + reason + "; rolling back ALSO failed: the safety "
        + "snapshot " + safetyId + " cannot be read (" + OperationFailures.describe(last) + "); Marathon's state is "
        + "partly restored: restore a backup taken before this restore", failure);
  }
}
