package io.dcos.backup.reconciler;

import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveStore;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Backup's act step, as the operation queue runs it when its turn comes: the cluster and the storage location as
 * they are then (the cluster may have been deleted while the backup waited), the engine's backup, and where the
 * archive was placed.
 */
final class BackupJob implements OperationQueue.Work {
  private static final Logger log = LoggerFactory.getLogger(BackupJob.class);

  /** A finished backup and where its archive is; {@code encryptionKeyId} null when it is stored in plaintext. */
  record Placed(BackupOutcome outcome, String locationName, String objectKey, String where, String encryptionKeyId) {}

  private final ClusterResolver clusters;
  private final StorageLocations locations;
  private final ArchiveStore shared;
  private final String id;
  private final String label;
  private final String clusterName;
  private final String namespace;
  private final String wantedLocation;
  private final BackupService.BackupOptions options;

  BackupJob(ClusterResolver clusters, StorageLocations locations, ArchiveStore shared, Backup backup, String id) {
    this.clusters = clusters;
    this.locations = locations;
    this.shared = shared;
    this.id = id;
    this.label = backup.getSpec().label();
    this.clusterName = backup.getSpec().clusterOrDefault();
    this.namespace = backup.getMetadata().getNamespace();
    this.wantedLocation = backup.getSpec().storageLocation();
    this.options = backup.getSpec().effectiveConsistency() == BackupSpec.Consistency.Online
        ? BackupService.BackupOptions.ONLINE : BackupService.BackupOptions.FENCED;
  }

  @Override
  public Placed run(ProgressListener progress) throws Exception {
    MarathonClusters.Cluster cluster = clusters.atRunTime(clusterName, namespace, "backup");
    // Resolved when the backup runs, from the API (not a cache): see StorageLocations.
    StorageLocations.Resolved where;
    try {
      where = locations.forNewBackup(wantedLocation != null ? wantedLocation : cluster.storageLocation());
    } catch (IOException e) {
      throw new OperationFailedException("backup failed: " + e.getMessage(), e);
    }
    BackupOutcome outcome = new ClusterArchives(cluster.service(), shared).backup(where.location(), id, label,
        options, progress);
    return new Placed(outcome, where.name(), where.location().objectKey(id),
        where.location().primary() && outcome.location() != null ? outcome.location().toString()
            : where.location().describe(id), storedKeyId(where.location(), id));
  }

  /**
   * Read back from the stored archive rather than taken from the location's spec: a backup resumed after a restart
   * may find its archive written earlier, with the key that was current then.
   */
  private static String storedKeyId(ArchiveLocation location, String id) {
    try {
      return location.encryptionKeyId(id).orElse(null);
    } catch (IOException e) {
      log.warn("archive {} is stored in {}, but its encryption header could not be read back: {}", id,
          location.where(), e.getMessage());
      return null;
    }
  }
}
