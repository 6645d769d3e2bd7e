package io.dcos.backup.reconciler;

import io.dcos.backup.api.PreCopyStatus;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.zookeeper.PreCopy;
import java.time.Duration;

/**
 * What a status shows of an engine outcome. The final {@code status.message} of a finished backup or restore says
 * what was done, what it cost Marathon, and — since the progress messages that said it are overwritten — why a
 * pre-copy that was asked for was not used.
 */
final class OutcomeStatus {
  private OutcomeStatus() {}

  static String message(BackupOutcome outcome) {
    var manifest = outcome.manifest();
    return "backup " + manifest.id() + " verified: " + manifest.znodes() + " znodes, " + manifest.bytes()
        + " bytes; " + switch (outcome.consistency()) {
          case ONLINE -> "taken online, proven consistent: Marathon was not restarted";
          case FENCED_FALLBACK -> "Marathon kept writing during every online attempt, so it was fenced after all; "
              + "Marathon had no leader for " + seconds(outcome.marathonLeaderless()) + " s";
          case FENCED -> "Marathon had no leader for " + seconds(outcome.marathonLeaderless()) + " s";
        } + preCopyNotUsed(outcome.preCopyNotUsed())
        + (outcome.warning() == null ? "" : "; but " + outcome.warning());
  }

  static String message(RestoreOutcome outcome) {
    return "restored " + outcome.znodes() + " znodes of " + outcome.backupId() + " and verified them; "
        + (outcome.warning() == null
            ? "Marathon had no leader for " + seconds(outcome.marathonLeaderless()) + " s"
            : "but " + outcome.warning())
        + preCopyNotUsed(outcome.preCopyNotUsed())
        + (outcome.storageVersionNote() == null ? "" : "; " + outcome.storageVersionNote());
  }

  private static String preCopyNotUsed(String reason) {
    return reason == null ? "" : "; the pre-copy was not used: " + reason;
  }

  /** What a Backup's or Restore's status shows of a pre-copy; null for none. */
  static PreCopyStatus preCopy(PreCopy.Figures figures) {
    return figures == null ? null
        : new PreCopyStatus(seconds(figures.onlinePass()), figures.rounds(), figures.znodesReread());
  }

  /** Seconds with two decimals, as statuses show durations. */
  static double seconds(Duration duration) {
    return Math.round(duration.toMillis() / 10.0) / 100.0;
  }
}
