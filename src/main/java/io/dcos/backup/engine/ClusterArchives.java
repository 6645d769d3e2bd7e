package io.dcos.backup.engine;

import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;

/**
 * Backups and restores of one Marathon whose service works in a directory of its own. Several Marathons run at once,
 * each under its own lock, and each service removes stale temp files from its directory when it takes that lock: in
 * one shared directory they would remove each other's live ones. So a MarathonCluster's service makes and reads its
 * archives in its own working directory (under the backup directory, {@code .clusters/<name>}) and the finished
 * archive is moved into the backup directory (a rename, no temp file there), where every archive is kept, listed and
 * recovered; a restore copies the archive into the working directory first and moves its safety snapshot out after.
 * A service working in the backup directory itself (the environment's) is passed through to {@link LocatedArchives}.
 */
public final class ClusterArchives {
  private final BackupService service;
  private final ArchiveStore shared;
  private final LocatedArchives located;

  /** {@code shared}: the backup directory's store (where archives are kept). */
  public ClusterArchives(BackupService service, ArchiveStore shared) {
    this.service = service;
    this.shared = shared;
    this.located = new LocatedArchives(service);
  }

  /** The working directory of the MarathonCluster {@code name}'s service, under the backup directory. */
  public static Path workingDirectory(Path backupDirectory, String name) {
    return backupDirectory.resolve(".clusters").resolve(name);
  }

  private boolean ownDirectory() {
    return !service.store().directory().equals(shared.directory());
  }

  public BackupOutcome backup(ArchiveLocation location, String id, String label, BackupService.BackupOptions options,
      ProgressListener progress) throws OperationFailedException, InterruptedException {
    if (!ownDirectory() || !location.primary()) {
      return located.backup(location, id, label, options, progress);
    }
    if (location.readOnly()) {
      throw new OperationFailedException("storage location " + location.name() + " is ReadOnly: no backup is "
          + "written to it");
    }
    try {
      Optional<Manifest> kept = shared.manifest(id);
      if (kept.isPresent()) {
        // The operator stopped after the move: the archive is the backup.
        return new BackupOutcome(kept.get(), shared.location(id), Duration.ZERO, 0, BackupOutcome.Consistency.FENCED,
            "the archive was found complete in the backup directory when the backup was resumed after the operator "
                + "stopped; how long Marathon had no leader was not recorded");
      }
    } catch (IOException e) {
      throw new OperationFailedException("backup failed: " + e.getMessage(), e);
    }
    BackupOutcome made = service.backup(id, label, options, progress);
    try {
      Path kept = moveOut(id);
      return made.withLocation(kept);
    } catch (IOException e) {
      throw new OperationFailedException("backup failed: the verified archive could not be moved into the backup "
          + "directory: " + e.getMessage(), e);
    }
  }

  public RestoreOutcome restore(ArchiveLocation location, String backupId, String safetyId,
      BackupService.RestoreOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    if (!ownDirectory()) {
      return located.restore(location, backupId, safetyId, options, progress);
    }
    boolean copied = false;
    try {
      if (location.primary() && service.store().manifest(backupId).isEmpty()) {
        Path archive = shared.location(backupId);
        if (Files.isRegularFile(archive)) {
          Path part = service.store().directory().resolve("." + backupId + ".copy.tmp");
          Files.copy(archive, part, StandardCopyOption.REPLACE_EXISTING);
          Files.move(part, service.store().location(backupId), StandardCopyOption.ATOMIC_MOVE);
          copied = true;
        }
      }
      // A safety snapshot moved out by an earlier attempt is what a resumed restore rolls back to.
      if (service.store().manifest(safetyId).isEmpty() && shared.manifest(safetyId).isPresent()) {
        Files.copy(shared.location(safetyId), service.store().location(safetyId));
      }
    } catch (IOException e) {
      throw new OperationFailedException("restore failed: archive " + backupId + " could not be copied into the "
          + "working directory " + service.store().directory() + ": " + e.getMessage() + "; nothing was written to "
          + "ZooKeeper", e);
    }
    try {
      return location.primary() ? service.restore(backupId, safetyId, options, progress)
          : located.restore(location, backupId, safetyId, options, progress);
    } finally {
      try {
        if (copied) {
          service.deleteArchive(backupId);
        }
        if (service.store().manifest(safetyId).isPresent()) {
          moveOut(safetyId);
        }
      } catch (IOException e) {
        // The copies stay in the working directory; the next restore of this Marathon finds them there.
      }
    }
  }

  private Path moveOut(String id) throws IOException {
    Path from = service.store().location(id);
    Path to = shared.location(id);
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return to;
  }
}
