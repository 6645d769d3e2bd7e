package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;

/**
 * "This Restore restores this Backup", one rule for every reconciler: the Restore names the Backup object
 * (spec.backupName), or its ID — in spec.backupId, or in status.backupId, where the Restore records the backup it
 * resolved (so a Backup whose status is rewritten, or a Restore whose backup object was replaced, is still matched).
 */
final class RestoreReferences {
  private RestoreReferences() {}

  static boolean refersTo(Restore restore, Backup backup) {
    var spec = restore.getSpec();
    if (spec == null) {
      return false;
    }
    if (backup.getMetadata().getName().equals(spec.backupName())) {
      return true;
    }
    String id = backup.getStatus() == null ? null : backup.getStatus().id();
    return id != null && (id.equals(spec.backupId()) || id.equals(resolvedBackupId(restore)));
  }

  static boolean isFinished(Restore restore) {
    return restore.getStatus() != null && restore.getStatus().phase() != null
        && restore.getStatus().phase().isTerminal();
  }

  private static String resolvedBackupId(Restore restore) {
    return restore.getStatus() == null ? null : restore.getStatus().backupId();
  }
}
