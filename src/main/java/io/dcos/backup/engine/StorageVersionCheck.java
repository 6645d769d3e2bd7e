package io.dcos.backup.engine;

import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import java.util.Optional;
import org.apache.zookeeper.ZooKeeper;

/**
 * Refuses, before anything is written, an archive the running Marathon would refuse on election: one written by a
 * newer Marathon (a downgrade since the backup), or one older than Marathon can migrate.
 */
final class StorageVersionCheck {
  private final ArchiveStore store;

  StorageVersionCheck(ArchiveStore store) {
    this.store = store;
  }

  /**
   * What the status should say about the versions ({@code note} null when there is nothing to say), and whether a
   * version Marathon would refuse was let through by {@code allowChange}.
   */
  record Verdict(String note, boolean changeAllowed) {
    static final Verdict NOTHING = new Verdict(null, false);

    static Verdict note(String note) {
      return new Verdict(note, false);
    }
  }

  /**
   * @throws OperationFailedException when Marathon would refuse the archive and {@code allowChange} is false
   */
  Verdict check(String backupId, Optional<StorageVersion> live, boolean allowChange, String statePath, ZooKeeper raw)
      throws Exception {
    Optional<StorageVersion> archived = archivedStorageVersion(backupId);
    if (archived.isEmpty()) {
      return Verdict.note(StorageVersionGuard.present(raw, statePath) && live.isEmpty()
          ? "the live storage version cannot be read; the backup has none: Marathon writes its own when elected"
          : "the backup has no Marathon storage version (" + StorageVersion.NODE + "): Marathon treats the restored "
              + "state as a fresh install and writes its own");
    }
    StorageVersion a = archived.get();
    String problem = null;
    if (a.isOlderThan(StorageVersion.MIN_SUPPORTED)) {
      problem = "backup " + backupId + " has Marathon storage version " + a + ", older than "
          + StorageVersion.MIN_SUPPORTED + ", the oldest Marathon 1.8 and later can migrate; the live state has "
          + live.map(StorageVersion::toString).orElse("no storage version");
    } else if (live.isPresent() && a.isNewerThan(live.get())) {
      problem = "backup " + backupId + " has Marathon storage version " + a + ", newer than the live state's "
          + live.get() + ": it was written by a newer Marathon, and the running one refuses it when elected";
    }
    if (problem != null) {
      if (!allowChange) {
        throw new OperationFailedException("restore refused, nothing was written: " + problem
            + ". Restore a backup taken with this Marathon version, or set spec.allowStorageVersionChange: true "
            + "in a new Restore if Marathon will be changed to a version that runs it");
      }
      return new Verdict("storage version change allowed by spec.allowStorageVersionChange: " + problem, true);
    }
    if (live.isPresent() && a.isOlderThan(live.get())) {
      return Verdict.note("backup storage version " + a + " is older than the live " + live.get()
          + ": Marathon migrates it forward when elected");
    }
    return Verdict.NOTHING;
  }

  /** The archive's own version node, read from the archive (older manifests do not record it). */
  private Optional<StorageVersion> archivedStorageVersion(String archiveId) throws Exception {
    String wanted = "/" + StorageVersion.NODE;
    try (ArchiveReader reader = store.open(archiveId)) {
      var nodes = reader.nodes();
      while (nodes.hasNext()) {
        var n = nodes.next();
        if (n.relativePath().equals(wanted)) {
          return StorageVersion.fromNodeData(n.data());
        }
      }
    }
    return Optional.empty();
  }
}
