package io.dcos.backup.engine;

import java.time.Duration;

/**
 * A restored and verified state.
 *
 * @param warning what went wrong after the state was restored and verified (Marathon did not elect a leader in
 *     time), or null
 * @param storageVersionNote what the status should say about the restored state: Marathon's storage version
 *     (Marathon migrates an older one; a change allowed by spec.allowStorageVersionChange), a built-in backup or
 *     restore its runtime-configuration names; or null
 */
public record RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
                             String warning, String storageVersionNote) {

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, null, null);
  }

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
      String warning) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, warning, null);
  }
}
