package io.dcos.backup.engine;

import java.time.Duration;

/**
 * A restored and verified state.
 *
 * @param warning what went wrong after the state was restored and verified (Marathon did not elect a leader in
 *     time), or null
 */
public record RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
                             String warning) {

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, null);
  }
}
