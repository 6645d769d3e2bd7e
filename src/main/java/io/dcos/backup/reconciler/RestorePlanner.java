package io.dcos.backup.reconciler;

import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.MarathonClusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.Optional;

/**
 * A Restore's validate step: resolves its backup and checks that it can be restored here — one backup named, ready,
 * of this cluster, allowed in this namespace, its archive readable — before anything runs.
 */
final class RestorePlanner {
  /** What the plan step found. */
  sealed interface Plan {}

  /** Refused, nothing ran; {@code backupId} names the backup once it was resolved (else null). */
  record Refused(String backupId, String reason, String message) implements Plan {}

  record WaitingForBackup(String message) implements Plan {}

  /** To run: the backup's ID, and the ID the live state is saved under first (the safety snapshot). */
  record Planned(String backupId, String safetyId) implements Plan {}

  private final ClusterResolver clusters;
  private final StorageLocations locations;

  RestorePlanner(ClusterResolver clusters, StorageLocations locations) {
    this.clusters = clusters;
    this.locations = locations;
  }

  Plan plan(Restore restore, BackupLookup backups, KubernetesClient client) {
    RestoreSpec spec = restore.getSpec();
    String namespace = restore.getMetadata().getNamespace();
    if (spec == null || (spec.backupId() == null) == (spec.backupName() == null)) {
      return new Refused(null, "InvalidSpec", "exactly one of spec.backupId or spec.backupName must be set");
    }
    if (spec.backupId() != null && !BackupLabels.isBackupId(spec.backupId())) {
      return new Refused(null, "InvalidSpec", "spec.backupId \"" + spec.backupId()
          + "\" is not a backup ID (<label>-<uuid>)");
    }
    String reference = spec.backupName() != null ? "Backup object \"" + spec.backupName() + "\""
        : "backup " + spec.backupId();
    Optional<Backup> backup = backups.find(namespace, spec, client);
    if (backup.isEmpty()) {
      return new Refused(null, "BackupNotFound", reference + " not found in namespace " + namespace);
    }
    var backupStatus = backup.get().getStatus();
    Phase backupPhase = backupStatus == null || backupStatus.phase() == null ? Phase.STATUS_UNKNOWN
        : backupStatus.phase();
    if (backupPhase == Phase.STATUS_ERROR) {
      return new Refused(backupStatus.id(), "BackupFailed", reference + " failed, there is nothing to restore: "
          + backupStatus.message());
    }
    if (backupPhase != Phase.STATUS_READY) {
      return new WaitingForBackup("waiting for " + reference + " to be STATUS_READY (it is " + backupPhase + ")");
    }
    // From here on the backup is known: a refusal names it in status.backupId, as a restore that ran does.
    String backupId = backupStatus.id();
    String backupCluster = backup.get().getSpec() == null ? MarathonCluster.DEFAULT_NAME
        : backup.get().getSpec().clusterOrDefault();
    if (!spec.clusterOrDefault().equals(backupCluster)) {
      return new Refused(backupId, "ClusterMismatch", reference + " was taken from MarathonCluster " + backupCluster
          + ", not " + spec.clusterOrDefault() + " (spec.cluster); to restore it into " + spec.clusterOrDefault()
          + " set spec.cluster: " + backupCluster + " and spec.targetCluster: " + spec.clusterOrDefault()
          + " (a migration); nothing was touched");
    }
    Optional<MarathonClusters.Cluster> source = clusters.clusters().get(backupCluster);
    if (source.isPresent() && !source.get().allows(namespace)) {
      return new Refused(backupId, "ClusterNotAllowed", ClusterResolver.notAllowed(namespace, backupCluster));
    }
    try {
      StorageLocations.Resolved where = locations.forExistingBackup(backupStatus.storageLocation());
      if (where.location().manifest(backupId).isEmpty()) {
        return new Refused(backupId, "ArchiveMissing", "the archive of backup " + backupId + " is missing from "
            + (where.location().primary() ? "the backup directory" : where.location().where()));
      }
    } catch (IOException e) {
      return new Refused(backupId, "ArchiveUnreadable", "the archive of backup " + backupId + " cannot be read: "
          + e.getMessage() + "; nothing was written to ZooKeeper");
    }
    // Derived from the UID: a second pass on a stale cache plans the very same safety snapshot.
    return new Planned(backupId, BackupLabels.backupIdFor(BackupService.SAFETY_LABEL, restore.getMetadata().getUid()));
  }
}
