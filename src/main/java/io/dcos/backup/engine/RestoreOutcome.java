package io.dcos.backup.engine;

import io.dcos.backup.zookeeper.PreCopy;
import java.time.Duration;

/**
 * A restored and verified state.
 *
 * @param warning what went wrong after the state was restored and verified (Marathon did not elect a leader in
 *     time), or null
 * @param storageVersionNote what the status should say about the restored state: Marathon's storage version
 *     (Marathon migrates an older one; a change allowed by spec.allowStorageVersionChange), a built-in backup or
 *     restore its runtime-configuration names; or null
 * @param written what was written: only the difference from the live state, or the whole tree; null when nothing
 *     was (an earlier attempt had finished the restore)
 * @param preCopyNotUsed why the whole state was rewritten although a pre-copy was asked for (a resumed restore, a
 *     pre-copy that could not start or lost its watches, a retried write); null otherwise
 * @param storageVersionChangeAllowed the backup's storage version is one the live Marathon refuses, and
 *     spec.allowStorageVersionChange let it through (the storage version note says which)
 */
public record RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
                             String warning, String storageVersionNote, Written written, String preCopyNotUsed,
                             boolean storageVersionChangeAllowed) {

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
      String warning, String storageVersionNote, Written written, String preCopyNotUsed) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, warning, storageVersionNote, written, preCopyNotUsed,
        false);
  }

  /**
   * @param preCopy what the pre-copy of the safety snapshot did; null when the whole tree was rewritten
   * @param znodesWritten nodes created or set (a node whose ACL differed: deleted and created, counted here)
   * @param znodesDeleted nodes deleted
   */
  public record Written(PreCopy.Figures preCopy, long znodesWritten, long znodesDeleted) {}

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
      String warning, String storageVersionNote, Written written) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, warning, storageVersionNote, written, null);
  }

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
      String warning, String storageVersionNote) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, warning, storageVersionNote, null);
  }

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, null, null);
  }

  public RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless,
      String warning) {
    this(backupId, znodes, safetySnapshotId, marathonLeaderless, warning, null);
  }
}
