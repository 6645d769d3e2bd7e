package io.dcos.backup.engine;

import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.Manifest;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups and restores through a storage location other than the backup directory. The engine works on the backup
 * directory only, so an archive is made and verified there as always, then uploaded whole and removed locally; a
 * restore downloads the archive back, verified in full (framing, checksums, SHA-256) before the engine opens it,
 * which verifies it once more as it does for any archive. A location that is the backup directory is passed through.
 */
public final class LocatedArchives {
  private static final Logger log = LoggerFactory.getLogger(LocatedArchives.class);

  private final BackupService service;

  public LocatedArchives(BackupService service) {
    this.service = service;
  }

  /**
   * A backup into {@code location}. Resumable: an archive already complete there (the operator died after the
   * upload) is the backup; one only in the backup directory (died during the upload) is uploaded again.
   */
  public BackupOutcome backup(ArchiveLocation location, String id, String label, BackupService.BackupOptions options,
      ProgressListener progress) throws OperationFailedException, InterruptedException {
    if (location.primary()) {
      if (location.readOnly()) {
        throw new OperationFailedException("storage location " + location.name() + " is ReadOnly: no backup is "
            + "written to it");
      }
      return service.backup(id, label, options, progress);
    }
    if (location.readOnly()) {
      throw new OperationFailedException("storage location " + location.name() + " is ReadOnly: no backup is "
          + "written to it");
    }
    try {
      location.check();
      Optional<Manifest> there = location.manifest(id);
      if (there.isPresent()) {
        progress.progress("archive " + id + " is already in " + location.describe(id));
        service.deleteArchive(id);
        return new BackupOutcome(there.get(), null, Duration.ZERO, 0, BackupOutcome.Consistency.FENCED,
            "the archive was found complete in " + location.where() + " when the backup was resumed after the "
                + "operator stopped; how long Marathon had no leader was not recorded");
      }
    } catch (IOException e) {
      throw new OperationFailedException("storage location " + location.name() + " is unavailable: "
          + e.getMessage(), e);
    }
    BackupOutcome local = service.backup(id, label, options, progress);
    progress.progress("uploading archive " + id + " to " + location.describe(id));
    try {
      location.upload(id, service.store().location(id));
    } catch (IOException e) {
      removeLocalCopy(id);
      throw new OperationFailedException("backup failed: " + e.getMessage() + "; nothing was kept in "
          + location.where(), e);
    }
    removeLocalCopy(id);
    return local.withLocation(null);
  }

  /** A restore of an archive kept in {@code location}; the downloaded copy is removed afterwards. */
  public RestoreOutcome restore(ArchiveLocation location, String backupId, String safetyId,
      BackupService.RestoreOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    if (location.primary()) {
      return service.restore(backupId, safetyId, options, progress);
    }
    progress.progress("downloading and verifying archive " + backupId + " from " + location.describe(backupId));
    try {
      // A copy left by an interrupted attempt is verified again by the engine; one that does not verify goes.
      if (service.store().manifest(backupId).isPresent()) {
        try {
          service.store().verify(backupId);
        } catch (IOException corrupt) {
          removeLocalCopy(backupId);
        }
      }
      if (service.store().manifest(backupId).isEmpty()) {
        location.download(backupId, service.store());
      }
    } catch (IOException e) {
      throw new OperationFailedException("restore failed: archive " + backupId + " from " + location.where()
          + " is refused: " + e.getMessage() + "; nothing was written to ZooKeeper", e);
    }
    try {
      return service.restore(backupId, safetyId, options, progress);
    } finally {
      removeLocalCopy(backupId);
    }
  }

  /** Deletes an archive from its location (and any local copy of it). */
  public boolean delete(ArchiveLocation location, String id) throws IOException {
    boolean deleted = location.delete(id);
    if (!location.primary()) {
      removeLocalCopy(id);
    }
    return deleted;
  }

  private void removeLocalCopy(String id) {
    try {
      service.deleteArchive(id);
    } catch (IOException e) {
      log.warn("could not remove the local copy of archive {}: {}", id, e.getMessage());
    }
  }
}
