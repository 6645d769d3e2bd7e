package io.dcos.backup.reconciler;

import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.control.Failures;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.Restore;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.engine.ClusterProbe;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.StorageVersion;
import java.io.IOException;
import java.util.Optional;

/**
 * A planned Restore's act step, as the operation queue runs it when its turn comes: the target cluster and the
 * archive's location as they are then, a migration's storage versions compared, then the engine's restore.
 */
final class RestoreJob implements OperationQueue.Work {
  private final ClusterResolver clusters;
  private final StorageLocations locations;
  private final ArchiveStore shared;
  private final String target;
  private final String namespace;
  private final String backupId;
  private final String safetyId;
  private final BackupService.RestoreOptions options;
  private final String recordedLocation;
  private final String sourceCluster;
  private final String archivedVersion;

  /** @param recorded the restored Backup, read when the restore is queued (empty: unreadable, defaults apply) */
  RestoreJob(ClusterResolver clusters, StorageLocations locations, ArchiveStore shared, Restore restore,
      Optional<Backup> recorded) {
    this.clusters = clusters;
    this.locations = locations;
    this.shared = shared;
    this.target = restore.getSpec() == null ? MarathonCluster.DEFAULT_NAME : restore.getSpec().target();
    this.namespace = restore.getMetadata().getNamespace();
    this.backupId = restore.getStatus().backupId();
    this.safetyId = restore.getStatus().safetySnapshotId();
    this.options = new BackupService.RestoreOptions(restore.getSpec() != null
        && restore.getSpec().allowsStorageVersionChange());
    this.recordedLocation = recorded.map(Backup::getStatus).map(status -> status.storageLocation()).orElse(null);
    this.sourceCluster = recorded.map(b -> b.getSpec() == null ? MarathonCluster.DEFAULT_NAME
        : b.getSpec().clusterOrDefault()).orElse(restore.getSpec().clusterOrDefault());
    this.archivedVersion = recorded.map(Backup::getStatus).map(status -> status.storageVersion()).orElse(null);
  }

  @Override
  public Object run(ProgressListener progress) throws Exception {
    MarathonClusters.Cluster cluster = clusters.atRunTime(target, namespace, "restore");
    if (!target.equals(sourceCluster)) {
      refuseMigrationAcrossStorageVersions(cluster, progress);
    }
    StorageLocations.Resolved where;
    try {
      where = locations.forExistingBackup(recordedLocation);
    } catch (IOException e) {
      throw new OperationFailedException("restore failed: " + e.getMessage() + "; nothing was written to "
          + "ZooKeeper", e);
    }
    return new ClusterArchives(cluster.service(), shared).restore(where.location(), backupId, safetyId, options,
        progress);
  }

  /**
   * A restore into another Marathon than the backup's (spec.targetCluster) is a migration: refused unless the
   * target's live storage version is the archive's, whatever spec.allowStorageVersionChange says.
   */
  private void refuseMigrationAcrossStorageVersions(MarathonClusters.Cluster into, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    progress.progress("migration from MarathonCluster " + sourceCluster + " to " + into.name() + ": comparing "
        + "storage versions");
    Optional<StorageVersion> live;
    try {
      live = ClusterProbe.liveStorageVersion(into.service().config());
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("restore failed: could not read the storage version of MarathonCluster "
          + into.name() + ": " + Failures.message(e) + "; nothing was written to ZooKeeper", e);
    }
    String liveText = live.map(StorageVersion::toString).orElse(Manifest.NO_STORAGE_VERSION);
    if (archivedVersion == null || !archivedVersion.equals(liveText)) {
      throw new OperationFailedException("restore refused: backup " + backupId + " of MarathonCluster "
          + sourceCluster + " has storage version " + (archivedVersion == null ? "(not recorded)" : archivedVersion)
          + ", MarathonCluster " + into.name() + " has " + liveText + "; a migration between Marathons needs the "
          + "same storage version (upgrade or downgrade one Marathon first); nothing was written to ZooKeeper");
    }
  }
}
