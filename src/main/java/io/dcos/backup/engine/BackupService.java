package io.dcos.backup.engine;

import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backup and restore of one Marathon's ZooKeeper state, without Kubernetes: lock, fence, snapshot or restore,
 * verify, release. Used by the reconcilers, the CLI and the benchmark alike.
 *
 * <p>A facade: it holds the ZooKeeper client and, per operation, takes the {@link OperationLock} and answers from the
 * {@link OutcomeJournal}; the operations themselves are {@link BackupRun} and {@link RestoreRun}, built from
 * {@link FencedAttempt}, {@link FencedSnapshot}, {@link PreCopyFlow}, {@link RestoreWrite} and {@link Rollback}, and
 * every failure is worded by {@link OperationFailures}.
 */
public final class BackupService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupService.class);
  /** Label of the snapshot a restore takes of the live state first; it is a backup like any other. */
  public static final String SAFETY_LABEL = "pre-restore";
  /** Beside Marathon's own nodes, never inside `state`: serializes operators (and their replicas) per Marathon. */
  static final String LOCK_NODE = "/backup-operator-lock";

  private final TargetConfig config;
  private final ArchiveStore store;
  private CuratorFramework zookeeper;
  /** After close no new client is made: a late caller (a check still running at shutdown) would leak it. */
  private boolean closed;

  public BackupService(TargetConfig config) {
    this.config = config;
    this.store = new ArchiveStore(config.backupDirectory());
  }

  public TargetConfig config() {
    return config;
  }

  public ArchiveStore store() {
    return store;
  }

  /**
   * How to make a backup consistent.
   *
   * @param online         try a snapshot without restarting Marathon first, kept only if proven consistent
   * @param onlineAttempts how many online snapshots to try before falling back to the fenced restart
   * @param retryDelay     pause between online attempts (Marathon writes in bursts)
   * @param preCopy        for the fenced backup, copy the state before the fence and re-read under it only what
   *                       changed since, so that Marathon's leaderless time does not grow with its state
   */
  public record BackupOptions(boolean online, int onlineAttempts, Duration retryDelay, boolean preCopy) {
    /** Fenced, most of the state copied before the fence (see {@link PreCopy}). */
    public static final BackupOptions FENCED = new BackupOptions(false, 0, Duration.ZERO, true);
    /** Fenced, the whole state read under the fence, as DC/OS did. */
    public static final BackupOptions FENCED_WHOLE = new BackupOptions(false, 0, Duration.ZERO, false);
    public static final BackupOptions ONLINE = new BackupOptions(true, 3, Duration.ofMillis(500));

    /** With a pre-copy for the fenced backup, if one is taken. */
    public BackupOptions(boolean online, int onlineAttempts, Duration retryDelay) {
      this(online, onlineAttempts, retryDelay, true);
    }
  }

  /** A fenced backup, as DC/OS made it. */
  public BackupOutcome backup(String id, String label, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    return backup(id, label, BackupOptions.FENCED, progress);
  }

  /**
   * A backup; with {@code options.online()} first without restarting Marathon: a snapshot is kept only if nothing
   * below the state changed while it was read (a persistent recursive watch saw no event). If every attempt saw
   * changes, or the server cannot prove it (ZooKeeper before 3.6), the backup is taken fenced after all and the
   * outcome says {@link BackupOutcome.Consistency#FENCED_FALLBACK}.
   */
  public BackupOutcome backup(String id, String label, BackupOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    BackupLabels.validate(label).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    ZkTarget target = config.zookeeper();
    CuratorFramework zk = zookeeper();
    return OperationFailures.translating(OperationFailures.Operation.BACKUP, () -> {
      try (OperationLock ignored = OperationLock.acquire(zk, target.path() + LOCK_NODE, progress)) {
        store.removeStaleTempFiles();
        return new OutcomeJournal(zk, target.path()).backup(id,
            () -> new BackupRun(zk, config, store).runWarningOfBuiltInBackup(id, label, options, progress));
      }
    });
  }

  /**
   * Replaces Marathon's state with the backup's, all or nothing: a failure after the first write rolls back to the
   * snapshot of the live state taken just before (itself a backup, {@code safetyId}).
   */
  public RestoreOutcome restore(String backupId, String safetyId, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    return restore(backupId, safetyId, RestoreOptions.DEFAULT, progress);
  }

  /**
   * @param allowStorageVersionChange restore even an archive whose Marathon storage version the running Marathon
   *     refuses (newer than the live state's, or older than {@link StorageVersion#MIN_SUPPORTED})
   * @param preCopy take the safety snapshot with a pre-copy and write only what differs from the live state; false:
   *     the whole safety snapshot under the fence and the whole tree rewritten (the benchmark's baseline)
   */
  public record RestoreOptions(boolean allowStorageVersionChange, boolean preCopy) {
    public static final RestoreOptions DEFAULT = new RestoreOptions(false, true);
    public static final RestoreOptions WHOLE = new RestoreOptions(false, false);

    public RestoreOptions(boolean allowStorageVersionChange) {
      this(allowStorageVersionChange, true);
    }
  }

  /** As {@link #restore(String, String, ProgressListener)}, with options. */
  public RestoreOutcome restore(String backupId, String safetyId, RestoreOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    ZkTarget target = config.zookeeper();
    CuratorFramework zk = zookeeper();
    return OperationFailures.translating(OperationFailures.Operation.RESTORE, () -> {
      try (OperationLock ignored = OperationLock.acquire(zk, target.path() + LOCK_NODE, progress)) {
        store.removeStaleTempFiles();
        return new OutcomeJournal(zk, target.path()).restore(backupId, safetyId, progress,
            () -> new RestoreRun(zk, config, store).run(backupId, safetyId, options, progress));
      }
    });
  }

  /**
   * Deletes temp files a killed operator left in the backup directory — only while holding the operation lock, so
   * that a replica writing an archive into the same directory keeps its own. Skipped (logged) when the lock is held
   * or ZooKeeper cannot be reached; every operation cleans up again once it holds the lock.
   */
  public void removeStaleTempFiles() {
    try {
      CuratorFramework zk = zookeeper();
      Optional<OperationLock> lock = OperationLock.tryAcquire(zk, config.zookeeper().path() + LOCK_NODE);
      if (lock.isEmpty()) {
        log.info("not removing stale temp files now: another backup or restore holds the lock");
        return;
      }
      try (OperationLock held = lock.get()) {
        store.removeStaleTempFiles();
      }
    } catch (Exception e) {
      log.warn("could not remove stale temp files from {}: {}", store.directory(), OperationFailures.describe(e));
    }
  }

  /**
   * Marathon's state holds the restore sentinel: no Marathon runs on it until a restore finishes. {@code backupId}
   * and {@code safetySnapshotId} name the unfinished restore from its journal (null when none says); read by
   * {@link RestoreJournal#guarded}.
   */
  public record Guarded(String backupId, String safetySnapshotId, boolean rollback) {
    public boolean known() {
      return safetySnapshotId != null;
    }

    /** What a user must do when no Restore object is left to finish it. */
    public String instructions() {
      return known()
          ? "apply a Restore of backup " + backupId + " (finish the restore) or of " + safetySnapshotId
              + " (the state before it); either clears the sentinel"
          : "apply a Restore of a named backup (kubectl backup restore <id>); it clears the sentinel";
    }
  }

  /** Whether Marathon's state holds the storage-version sentinel of an unfinished restore (reads ZooKeeper). */
  public Optional<Guarded> guarded() throws Exception {
    return new RestoreJournal(config.zookeeper().path()).guarded(zookeeper().getZookeeperClient().getZooKeeper(),
        config.zookeeper().statePath());
  }

  public Optional<Manifest> archive(String id) throws IOException {
    return store.manifest(id);
  }

  public List<Manifest> archives() throws IOException {
    return store.list();
  }

  public boolean deleteArchive(String id) throws IOException {
    return store.delete(id);
  }

  private synchronized CuratorFramework zookeeper() throws OperationFailedException {
    if (closed) {
      throw new OperationFailedException("the operator is stopping: no new connection to ZooKeeper "
          + config.zookeeper());
    }
    if (zookeeper == null) {
      try {
        zookeeper = ZkConnector.connect(config.zookeeper(), config.zkSessionTimeout(), config.zkConnectTimeout());
      } catch (IOException e) {
        throw new OperationFailedException("cannot connect to ZooKeeper " + config.zookeeper() + ": "
            + e.getMessage(), e);
      }
    }
    return zookeeper;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (zookeeper != null) {
      zookeeper.close();
      zookeeper = null;
    }
  }
}
