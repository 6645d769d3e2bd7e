package io.dcos.backup.reconciler;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.RestoreOutcome;
import java.time.Duration;

/**
 * The final {@code status.message} of a finished backup or restore: what was done, what it cost Marathon, and — since
 * the progress messages that said it are overwritten — why a pre-copy that was asked for was not used.
 */
final class OutcomeMessages {
  private OutcomeMessages() {}

  static String ready(BackupOutcome outcome) {
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

  static String ready(RestoreOutcome outcome) {
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

  /** Seconds with two decimals, as statuses show durations. */
  static double seconds(Duration duration) {
    return Math.round(duration.toMillis() / 10.0) / 100.0;
  }
}
