package io.dcos.backup.engine;

import io.dcos.backup.marathon.FenceException;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.RuntimeConfiguration;
import io.dcos.backup.marathon.MarathonException;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.marathon.MarathonInfo;
import io.dcos.backup.store.ArchiveCorruptException;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.ConsistencyUnprovableException;
import io.dcos.backup.zookeeper.FenceToken;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.RestoreSummary;
import io.dcos.backup.zookeeper.StateChangedException;
import io.dcos.backup.zookeeper.StateRestorer;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.StateUnavailableException;
import io.dcos.backup.zookeeper.StateVerifier;
import io.dcos.backup.zookeeper.TreeIndex;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import io.dcos.backup.zookeeper.ZkConnector;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backup and restore of one Marathon's ZooKeeper state, without Kubernetes: lock, fence, snapshot or restore,
 * verify, release. Used by the reconcilers, the CLI and the benchmark alike.
 */
public final class BackupService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupService.class);
  /** Label of the snapshot a restore takes of the live state first; it is a backup like any other. */
  public static final String SAFETY_LABEL = "pre-restore";
  /** Beside Marathon's own nodes, never inside `state`: serializes operators (and their replicas) per Marathon. */
  static final String LOCK_NODE = "/backup-operator-lock";
  private static final Duration ROLLBACK_RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration ROLLBACK_RETRY_PAUSE_MAX = Duration.ofSeconds(15);
  /** Attempts of a snapshot or of a restore's write-and-verify when the ZooKeeper connection drops under it. */
  private static final int ATTEMPTS_ON_CONNECTION_LOSS = 3;
  /** Online re-reads of what changed during a pre-copy, while they shrink, before the fence is taken. */
  private static final int PRE_COPY_ONLINE_ROUNDS = 3;

  private final TargetConfig config;
  private final ArchiveStore store;
  private CuratorFramework zookeeper;

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
    try (OperationLock ignored = OperationLock.acquire(zk, target.path() + LOCK_NODE, progress)) {
      store.removeStaleTempFiles();
      OutcomeJournal journal = new OutcomeJournal(zk, target.path());
      Optional<OutcomeJournal.Outcome> recorded = journal.read(id);
      if (recorded.isPresent() && recorded.get() instanceof OutcomeJournal.Outcome.Failed failed) {
        throw new OperationFailedException(failed.message());
      }
      try {
        // Read before the fence: the leader elected after it stores the node back reset.
        Optional<String> builtIn = RuntimeConfiguration.live(zk.getZookeeperClient().getZooKeeper(),
            target.statePath()).pendingAction();
        BackupOutcome outcome = backupLocked(zk, target, id, label, options, progress);
        return builtIn.map(action -> outcome.withWarning("the state's runtime-configuration asks Marathon's next "
            + "leader to run " + action + " (Marathon's built-in backup): a restore of this backup makes Marathon run "
            + "it again")).orElse(outcome);
      } catch (OperationFailedException e) {
        journal.record(id, new OutcomeJournal.Outcome.Failed(e.getMessage()));
        throw e;
      }
    } catch (InterruptedException | OperationFailedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("backup failed: " + describe(e), e);
    }
  }

  private BackupOutcome backupLocked(CuratorFramework zk, ZkTarget target, String id, String label,
      BackupOptions options, ProgressListener progress) throws OperationFailedException, InterruptedException {
    try {
      Optional<BackupOutcome> alreadyTaken = alreadyCommitted(id, progress);
      if (alreadyTaken.isPresent()) {
        return alreadyTaken.get();
      }
      MarathonClient marathon = marathonClient();
      MarathonInfo info = describeMarathon(marathon, progress);
      if (options.online()) {
        Optional<BackupOutcome> online = backupOnline(zk, id, label, info, options, progress);
        if (online.isPresent()) {
          return online.get();
        }
      }
      Manifest manifest = null;
      Released released;
      int abdications;
      PreCopy.Figures preCopyFigures = null;
      PreCopy preCopy = options.preCopy() ? startPreCopy(target.statePath(), id, progress) : null;
      try {
        progress.progress("restarting Marathon (leader abdication) so that no leader writes during the backup");
        try (MarathonFence fence = acquireFence(zk, marathon, progress)) {
          boolean delta = preCopy != null && finishPreCopyUnderFence(preCopy, fence, target.statePath(), progress);
          Instant fencePoint = Instant.now();
          if (delta) {
            preCopyFigures = preCopy.figures();
          }
          if (!delta) {
            progress.progress("snapshotting " + target.statePath());
            manifest = snapshotUnderFence(zk, fence, target.statePath(), "backup failed: ", "the snapshot",
                new ManifestInfo(id, label, fencePoint, target.hosts(), target.path(), info.version()), progress);
          }
          abdications = fence.abdications();
          progress.progress("waiting for Marathon to elect a leader again");
          released = releaseAfterSuccess(fence, delta ? "snapshot" : "archive", progress);
          if (delta) {
            // After the release: what the archive holds was fixed at the fence point, so writing it need not keep
            // Marathon waiting.
            manifest = writePreCopy(preCopy,
                new ManifestInfo(id, label, fencePoint, target.hosts(), target.path(), info.version()), progress);
          }
        }
      } finally {
        if (preCopy != null) {
          preCopy.close();
        }
      }
      progress.progress("verifying archive " + id);
      Manifest verified = store.verify(id);
      log.info("backup {} verified: {} znodes, {} bytes, Marathon leaderless {} ms", id, verified.znodes(),
          verified.bytes(), released.leaderless().toMillis());
      return new BackupOutcome(manifest, store.location(id), released.leaderless(), abdications,
          options.online() ? BackupOutcome.Consistency.FENCED_FALLBACK : BackupOutcome.Consistency.FENCED,
          released.warning(), preCopyFigures);
    } catch (StateUnavailableException e) {
      throw new OperationFailedException("Marathon state cannot be backed up now: " + e.getMessage(), e);
    } catch (MarathonException | FenceException e) {
      throw new OperationFailedException(e.getMessage(), e);
    } catch (IOException e) {
      throw new OperationFailedException("backup failed: " + e.getMessage(), e);
    } catch (InterruptedException | OperationFailedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("backup failed: " + describe(e), e);
    }
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
    try (OperationLock ignored = OperationLock.acquire(zk, target.path() + LOCK_NODE, progress)) {
      store.removeStaleTempFiles();
      OutcomeJournal journal = new OutcomeJournal(zk, target.path());
      Optional<OutcomeJournal.Outcome> finishedBefore = journal.read(safetyId);
      if (finishedBefore.isPresent()) {
        if (finishedBefore.get() instanceof OutcomeJournal.Outcome.Failed failed) {
          throw new OperationFailedException(failed.message());
        }
        long znodes = ((OutcomeJournal.Outcome.Succeeded) finishedBefore.get()).znodes();
        log.info("restore of {} (safety snapshot {}) already finished: {} znodes", backupId, safetyId, znodes);
        progress.progress("restore of " + backupId + " was finished by an earlier attempt");
        return new RestoreOutcome(backupId, znodes, safetyId, Duration.ZERO);
      }
      try {
        RestoreOutcome outcome = restoreLocked(zk, target, backupId, safetyId, options, progress);
        journal.record(safetyId, new OutcomeJournal.Outcome.Succeeded(outcome.znodes()));
        return outcome;
      } catch (OperationFailedException e) {
        journal.record(safetyId, new OutcomeJournal.Outcome.Failed(e.getMessage()));
        throw e;
      }
    } catch (InterruptedException | OperationFailedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("restore failed: " + describe(e), e);
    }
  }

  private RestoreOutcome restoreLocked(CuratorFramework zk, ZkTarget target, String backupId, String safetyId,
      RestoreOptions options, ProgressListener progress) throws OperationFailedException, InterruptedException {
    try {
      progress.progress("verifying archive " + backupId);
      Manifest manifest = store.verify(backupId);
      Optional<String> builtIn;
      try (ArchiveReader reader = store.open(backupId)) {
        builtIn = RuntimeConfiguration.among(reader.nodes(), ZNode::relativePath, ZNode::data).pendingAction();
      }
      ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
      RestoreJournal journal = new RestoreJournal(target.path());
      Optional<StorageVersion> live = StorageVersionGuard.read(raw, target.statePath());
      boolean guarded = live.filter(StorageVersion::isSentinel).isPresent();
      Optional<RestoreJournal.Entry> unfinished = guarded ? journal.read(raw) : Optional.empty();
      boolean resuming = unfinished.filter(e -> e.safetySnapshotId().equals(safetyId)).isPresent();
      String versionNote;
      String marathonVersion;
      if (guarded) {
        // No Marathon can lead on this state (that is the point), so there is no Marathon to ask for its version.
        versionNote = resuming ? null : "Marathon's state held the storage-version sentinel of an unfinished "
            + unfinished.map(RestoreJournal.Entry::describe).orElse("restore nobody recorded") + "; this restore "
            + "replaces it";
        progress.progress(resuming ? "resuming " + unfinished.get().describe() + ": Marathon's state holds the "
            + "storage-version sentinel, so no Marathon runs on it until this restore finishes or rolls back"
            : versionNote);
        marathonVersion = store.manifest(safetyId).map(Manifest::marathonVersion)
            .orElse("unknown (no Marathon leads on a guarded state)");
      } else {
        versionNote = checkStorageVersions(backupId, live, options, target.statePath(), raw);
        MarathonClient marathon = marathonClient();
        marathonVersion = describeMarathon(marathon, progress).version();
      }
      log.info("restoring {} ({} znodes, Marathon {}, storage {}) into {} (Marathon {}, storage {})", backupId,
          manifest.znodes(), manifest.marathonVersion(), manifest.storageVersion(), target, marathonVersion,
          live.map(StorageVersion::toString).orElse("none"));
      boolean safetyTakenBefore = store.manifest(safetyId).isPresent();
      // The safety snapshot is a fenced backup of the live state: most of it copied while Marathon still runs.
      PreCopy preCopy = safetyTakenBefore || !options.preCopy() ? null
          : startPreCopy(target.statePath(), safetyId, true, progress);
      // The backup's index, made before the fence so that the diff and the verification hash nothing under it.
      TreeIndex archivedIndex = null;
      if (preCopy != null) {
        try (ArchiveReader reader = store.open(backupId)) {
          archivedIndex = TreeIndex.of(reader.nodes());
        }
      }
      // Set once the pre-copy has proved the live state at the fence point: then only what differs is written.
      Delta delta = null;
      progress.progress("restarting Marathon (leader abdication) so that no leader runs during the restore");
      long fencing = System.nanoTime();
      try (MarathonFence fence = acquireFence(zk, marathonClient(), progress)) {
        long fenced = System.nanoTime();
        if (safetyTakenBefore) {
          // A previous attempt died after saving the live state; it may have written part of the backup since,
          // so that saved state, not the live one, is what a rollback must return to.
          store.verify(safetyId);
          progress.progress("resuming: safety snapshot " + safetyId + " was taken by an earlier attempt");
        } else {
          progress.progress("taking safety snapshot " + safetyId + " of the live state");
          ManifestInfo safety = new ManifestInfo(safetyId, SAFETY_LABEL, Instant.now(), target.hosts(), target.path(),
              marathonVersion);
          if (preCopy != null && finishPreCopyUnderFence(preCopy, fence, target.statePath(), progress)) {
            // Unlike a backup's, written before the fence is released: the restore must not write until the state
            // it would roll back to is on disk.
            writePreCopy(preCopy, safety, progress);
            delta = new Delta(preCopy, archivedIndex, manifest);
          } else {
            snapshotUnderFence(zk, fence, target.statePath(), "restore failed: ", "the safety snapshot", safety,
                progress);
          }
        }
        if (delta == null) {
          progress.progress("the whole state is rewritten: "
              + (safetyTakenBefore ? "an earlier attempt may have written part of it" : "no pre-copy proved it"));
        }
        FenceToken token = new FenceToken(fence.latchNodePath(), fence.latchNodeVersion());
        RestoreOutcome.Written written;
        if (resuming && unfinished.get().rollback()) {
          progress.progress("resuming the rollback to " + safetyId + " that an earlier attempt started");
          throw rollBack(zk, target, fence, token, backupId, safetyId,
              new OperationFailedException(unfinished.get().reason()), progress);
        }
        long safetySaved = System.nanoTime();
        try {
          progress.progress("writing " + manifest.znodes() + " znodes of " + backupId
              + (delta != null ? " (only where they differ from the live state)" : ""));
          written = writeAndVerifyUnderFence(zk, fence, target.statePath(), backupId,
              new RestoreJournal.Entry(backupId, safetyId, false, null), token, delta, progress);
        } catch (Exception | Error failure) {
          // Error too (out of memory, say): a half-written state must be rolled back whatever stopped the write.
          throw rollBack(zk, target, fence, token, backupId, safetyId, failure, progress);
        }
        long verified = System.nanoTime();
        log.info("restore of {}: fence taken in {} ms; under it, safety snapshot {} ms, {} and verification {} ms",
            backupId, (fenced - fencing) / 1_000_000, (safetySaved - fenced) / 1_000_000,
            delta != null ? "the difference written" : "the whole tree written", (verified - safetySaved) / 1_000_000);
        progress.progress("waiting for Marathon to elect a leader and load the restored state");
        Released released = releaseAfterSuccess(fence, "restored state", progress);
        String builtInNote = builtIn.map(action -> "the backup's runtime-configuration asks Marathon's next leader to "
            + "run " + action + " (Marathon's built-in backup and restore): the leader elected now does that").orElse(null);
        return new RestoreOutcome(backupId, manifest.znodes(), safetyId, released.leaderless(), released.warning(),
            joinNotes(versionNote, builtInNote), written);
      } finally {
        if (preCopy != null) {
          preCopy.close();
        }
      }
    } catch (StateUnavailableException e) {
      throw new OperationFailedException("Marathon state cannot be restored now: " + e.getMessage(), e);
    } catch (MarathonException | FenceException e) {
      throw new OperationFailedException(e.getMessage(), e);
    } catch (IOException e) {
      throw new OperationFailedException("restore failed: " + e.getMessage(), e);
    } catch (InterruptedException | OperationFailedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("restore failed: " + describe(e), e);
    }
  }

  /**
   * Refuses, before anything is written, an archive the running Marathon would refuse on election: one written by a
   * newer Marathon (a downgrade since the backup), or one older than Marathon can migrate. Returns what the status
   * should say about the versions, or null when there is nothing to say.
   */
  private String checkStorageVersions(String backupId, Optional<StorageVersion> live, RestoreOptions options,
      String statePath, ZooKeeper raw) throws Exception {
    Optional<StorageVersion> archived = archivedStorageVersion(backupId);
    if (archived.isEmpty()) {
      return StorageVersionGuard.present(raw, statePath) && live.isEmpty()
          ? "the live storage version cannot be read; the backup has none: Marathon writes its own when elected"
          : "the backup has no Marathon storage version (" + StorageVersion.NODE + "): Marathon treats the restored "
              + "state as a fresh install and writes its own";
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
      if (!options.allowStorageVersionChange()) {
        throw new OperationFailedException("restore refused, nothing was written: " + problem
            + ". Restore a backup taken with this Marathon version, or set spec.allowStorageVersionChange: true "
            + "in a new Restore if Marathon will be changed to a version that runs it");
      }
      return "storage version change allowed by spec.allowStorageVersionChange: " + problem;
    }
    if (live.isPresent() && a.isOlderThan(live.get())) {
      return "backup storage version " + a + " is older than the live " + live.get()
          + ": Marathon migrates it forward when elected";
    }
    return null;
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
      log.warn("could not remove stale temp files from {}: {}", store.directory(), describe(e));
    }
  }

  /** Online attempts; empty when the fenced backup must be taken instead. */
  private Optional<BackupOutcome> backupOnline(CuratorFramework zk, String id, String label, MarathonInfo info,
      BackupOptions options, ProgressListener progress) throws Exception {
    ZkTarget target = config.zookeeper();
    String lastChange = "no attempt";
    for (int attempt = 1; attempt <= options.onlineAttempts(); attempt++) {
      progress.progress("online snapshot of " + target.statePath() + " while Marathon keeps running (attempt "
          + attempt + " of " + options.onlineAttempts() + ")");
      try (ArchiveWriter writer = store.create(id)) {
        new StateSnapshotter(zk).snapshot(target.statePath(), writer, true);
        Manifest manifest = writer.commit(new ManifestInfo(id, label, Instant.now(), target.hosts(), target.path(),
            info.version()));
        progress.progress("verifying archive " + id);
        Manifest verified = store.verify(id);
        log.info("backup {} taken online (attempt {}), verified: {} znodes, {} bytes, no Marathon restart", id,
            attempt, verified.znodes(), verified.bytes());
        return Optional.of(new BackupOutcome(manifest, store.location(id), Duration.ZERO, 0,
            BackupOutcome.Consistency.ONLINE));
      } catch (ConsistencyUnprovableException e) {
        lastChange = e.getMessage();
        break;
      } catch (StateChangedException e) {
        lastChange = e.getMessage();
        log.info("online backup {} attempt {} discarded: {}", id, attempt, e.getMessage());
        if (attempt < options.onlineAttempts()) {
          Thread.sleep(options.retryDelay().toMillis());
        }
      }
    }
    progress.progress("online snapshot not possible (" + lastChange + "); falling back to a fenced backup");
    return Optional.empty();
  }

  /** Online rounds of a pre-copy before the fence; null (said why) when the fence must take the whole snapshot. */
  private PreCopy startPreCopy(String statePath, String id, ProgressListener progress) throws InterruptedException {
    return startPreCopy(statePath, id, false, progress);
  }

  /** @param indexed index the copy as it is read: a restore diffs the live state against the backup with it */
  private PreCopy startPreCopy(String statePath, String id, boolean indexed, ProgressListener progress)
      throws InterruptedException {
    CuratorFramework own = null;
    try {
      own = ZkConnector.connect(config.zookeeper(), config.zkSessionTimeout(), config.zkConnectTimeout());
      progress.progress("copying " + statePath + " while Marathon keeps running (pre-copy)");
      Path spool = store.directory().resolve("." + id + "." + UUID.randomUUID() + ".precopy.tmp");
      PreCopy copy = indexed ? PreCopy.copyOnlineIndexed(own, statePath, spool)
          : PreCopy.copyOnline(own, statePath, spool);
      copy.refreshOnline(PRE_COPY_ONLINE_ROUNDS);
      progress.progress("pre-copy of " + copy.copiedZnodes() + " znodes done; " + copy.dirtyCount()
          + " changed since and are read again under the fence");
      return copy;
    } catch (InterruptedException e) {
      closeQuietly(own);
      throw e;
    } catch (Exception e) {
      // copyOnline closed its client itself; the fenced snapshot says what is wrong with the state, if anything is.
      closeQuietly(own);
      log.info("pre-copy of {} for {} not possible: {}", statePath, id, describe(e));
      progress.progress("pre-copy not possible (" + describe(e) + "); the whole snapshot is taken under the fence");
      return null;
    }
  }

  /**
   * Under the fence: re-reads what changed during the pre-copy. False (said why) when the pre-copy cannot be trusted
   * and the whole snapshot must be taken under the fence instead.
   */
  private boolean finishPreCopyUnderFence(PreCopy copy, MarathonFence fence, String statePath,
      ProgressListener progress) throws Exception {
    try {
      copy.finishUnderFence();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      log.warn("pre-copy of {} discarded: {}", statePath, describe(e));
      progress.progress("pre-copy discarded (" + describe(e) + "); snapshotting " + statePath + " under the fence");
      return false;
    }
    if (copy.containsNode("/" + StateSnapshotter.MIGRATION_MARKER)) {
      throw new StateUnavailableException("Marathon is migrating its storage (" + statePath + "/"
          + StateSnapshotter.MIGRATION_MARKER + " exists); the state is not consistent until the migration "
          + "finishes. Try again later.");
    }
    if (!fence.isHeld()) {
      progress.progress("the fence was not held throughout the pre-copy's last reads; snapshotting " + statePath
          + " under the fence");
      return false; // the full snapshot under the fence fails as it should on a lost fence
    }
    progress.progress("state at the fence point known: " + copy.rereadZnodes() + " znodes re-read after the "
        + "pre-copy of " + copy.copiedZnodes());
    return true;
  }

  private Manifest writePreCopy(PreCopy copy, ManifestInfo info, ProgressListener progress) throws IOException {
    progress.progress("writing archive " + info.id() + " (the pre-copy with the nodes read under the fence)");
    try (ArchiveWriter writer = store.create(info.id())) {
      copy.writeTo(writer);
      return writer.commit(info);
    }
  }

  private static void closeQuietly(CuratorFramework client) {
    if (client != null) {
      client.close();
    }
  }

  /** An attempt that died between committing the archive and reporting it left a complete archive: use it. */
  private Optional<BackupOutcome> alreadyCommitted(String id, ProgressListener progress) throws IOException {
    if (store.manifest(id).isEmpty()) {
      return Optional.empty();
    }
    progress.progress("archive " + id + " was written by an earlier attempt; verifying it");
    Manifest manifest = store.verify(id);
    return Optional.of(new BackupOutcome(manifest, store.location(id), Duration.ZERO, 0));
  }

  /**
   * Snapshots statePath into a new archive and commits it, while the fence is held. A dropped connection fails the
   * attempt (the reader may have read part of the tree twice or not at all): as long as the fence is provably still
   * held — the client reconnected within its session and the latch node is still there — no Marathon wrote in the
   * meantime, so the snapshot is simply taken again into a fresh archive writer, up to
   * {@link #ATTEMPTS_ON_CONNECTION_LOSS} times. A lost session (no quorum, no server reachable for the session
   * timeout) fails at once, saying so; nothing is committed.
   *
   * @param failed prefix of the failure message, {@code "backup failed: "} or {@code "restore failed: "}
   */
  private Manifest snapshotUnderFence(CuratorFramework zk, MarathonFence fence, String statePath, String failed,
      String what, ManifestInfo info, ProgressListener progress) throws Exception {
    for (int attempt = 1; ; attempt++) {
      Exception failure;
      boolean connectionTrouble;
      boolean sessionLost;
      try (ArchiveWriter writer = store.create(info.id())) {
        try (ZkConnectionWatch watch = ZkConnectionWatch.start(zk)) {
          try {
            snapshotRefusingDetectedChanges(zk, statePath, writer);
            failure = null;
          } catch (StateChangedException e) {
            // Every Marathon is fenced, yet the state changed: a leader's last write landing after it left the
            // election, or another writer. The stream mixes two states: discard it and read again.
            if (attempt < ATTEMPTS_ON_CONNECTION_LOSS) {
              log.warn("{} attempt {} saw the state change while Marathon was fenced ({}); taking it again", what,
                  attempt, e.getMessage());
              progress.progress(what + " saw " + statePath + " change although no Marathon leads; taking it again");
              continue;
            }
            throw new OperationFailedException(failed + statePath + " kept changing while every Marathon was fenced "
                + "(" + attempt + " attempts; last: " + e.getMessage() + "): something other than Marathon's leader "
                + "writes to it; nothing was committed", e);
          } catch (InterruptedException e) {
            if (!watch.sessionLost()) {
              throw e;
            }
            failure = e; // interrupted by the watch: the session is gone
          } catch (Exception e) {
            failure = e;
          }
          connectionTrouble = failure != null && watch.explains(failure);
          sessionLost = watch.sessionLost();
        }
        if (failure != null && !connectionTrouble) {
          throw failure;
        }
        if (!sessionLost && fence.isHeld()) {
          if (failure == null) {
            return writer.commit(new ManifestInfo(info.id(), info.label(), Instant.now(), info.sourceHosts(),
                info.zkPath(), info.marathonVersion()));
          }
          if (attempt < ATTEMPTS_ON_CONNECTION_LOSS) {
            log.warn("{} attempt {} failed after the ZooKeeper connection dropped ({}); the fence is still held: "
                + "taking it again", what, attempt, describe(failure));
            progress.progress("the ZooKeeper connection dropped during " + what + "; reconnected within the "
                + "session, the fence is still held: taking " + what + " again");
            continue;
          }
          throw new OperationFailedException(failed + "lost the connection to ZooKeeper during " + what + " on "
              + attempt + " attempts (last: " + describe(failure) + "); nothing was committed", failure);
        }
        if (failure == null && !connectionTrouble) {
          throw new OperationFailedException(failed + "lost the Marathon fence (ZooKeeper session) during " + what
              + "; the snapshot may not be consistent and was discarded");
        }
        throw new OperationFailedException(failed + "lost the connection to ZooKeeper during " + what
            + " and did not get it back within the session timeout (" + config.zkSessionTimeout().toSeconds()
            + " s): no quorum or no server reachable; the session and with it the Marathon fence are gone, nothing "
            + "was committed", failure);
      }
    }
  }

  /**
   * Under the fence no change is expected, so one the watch sees fails the snapshot. Where the server cannot watch
   * (ZooKeeper 3.5) the fence alone is the guarantee, as it was for DC/OS.
   */
  private static void snapshotRefusingDetectedChanges(CuratorFramework zk, String statePath, ArchiveWriter writer)
      throws Exception {
    try {
      new StateSnapshotter(zk).snapshot(statePath, writer, true);
    } catch (ConsistencyUnprovableException noWatches) {
      new StateSnapshotter(zk).snapshot(statePath, writer, false); // thrown before anything was read
    }
  }

  /**
   * Restores the archive under the fence and verifies it. A dropped connection fails the attempt, and a multi() in
   * flight then may or may not have been applied; the restore is idempotent (it deletes what is there and writes
   * the archive), so while the fence is provably still held it is simply run again, up to
   * {@link #ATTEMPTS_ON_CONNECTION_LOSS} times. Every batch carries the fence check, so nothing lands once the
   * session is gone. Any other failure, or a lost session, is thrown (the caller rolls back).
   */
  /**
   * What a restore needs to write only the difference: the pre-copy that proved the live state at the fence point,
   * and the backup's index and manifest from when it was verified.
   */
  private record Delta(PreCopy liveTree, TreeIndex archived, Manifest verified) {}

  private RestoreOutcome.Written writeAndVerifyUnderFence(CuratorFramework zk, MarathonFence fence, String statePath,
      String archiveId, RestoreJournal.Entry entry, FenceToken token, Delta delta, ProgressListener progress)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      Exception failure;
      boolean connectionTrouble;
      boolean sessionLost;
      try (ZkConnectionWatch watch = ZkConnectionWatch.start(zk)) {
        try {
          // A failed attempt may have written part of the delta: what the live state holds is then known no more.
          return writeAndVerify(zk, statePath, archiveId, entry, token, attempt == 1 ? delta : null, progress);
        } catch (InterruptedException e) {
          if (!watch.sessionLost()) {
            throw e;
          }
          failure = e;
        } catch (Exception e) {
          failure = e;
        }
        connectionTrouble = watch.explains(failure);
        sessionLost = watch.sessionLost();
      }
      if (!connectionTrouble) {
        throw failure;
      }
      boolean held = !sessionLost && fence.isHeld();
      if (held && attempt < ATTEMPTS_ON_CONNECTION_LOSS) {
        log.warn("restore attempt {} failed after the ZooKeeper connection dropped ({}); the fence is still held: "
            + "writing {} again", attempt, describe(failure), archiveId);
        progress.progress("the ZooKeeper connection dropped during the restore; reconnected within the session, "
            + "the fence is still held: writing " + archiveId + " again");
        continue;
      }
      throw new OperationFailedException("lost the connection to ZooKeeper during the restore (" + describe(failure)
          + (held ? "), " + attempt + " times" : "); the ZooKeeper session and with it the Marathon fence are gone"),
          failure);
    }
  }

  /**
   * One guarded write of an archive over Marathon's state (see {@link StorageVersionGuard}): the sentinel and the
   * journal first, then the tree, verified; then the real storage version in the final batch, verified too. Until that
   * batch commits every Marathon refuses the state.
   */
  private RestoreOutcome.Written writeAndVerify(CuratorFramework zk, String statePath, String archiveId,
      RestoreJournal.Entry entry, FenceToken token, Delta delta, ProgressListener progress) throws Exception {
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    RestoreJournal journal = new RestoreJournal(config.zookeeper().path());
    StorageVersionGuard guard = new StorageVersionGuard(journal.record(raw, entry));
    PreCopy.Figures atFencePoint = delta == null ? null : delta.liveTree().figures();
    RestoreSummary written;
    if (delta != null) {
      try (ArchiveReader reader = store.openVerifiedEarlier(archiveId, delta.verified())) {
        written = new StateRestorer(zk).restoreDelta(statePath, delta.liveTree(), delta.archived(), reader.nodes(),
            token, guard);
      }
      progress.progress("wrote " + written.znodesWritten() + " znodes and deleted " + written.znodesDeleted()
          + " where the live state differed from " + archiveId);
    } else {
      try (ArchiveReader reader = store.open(archiveId)) {
        written = new StateRestorer(zk).restore(statePath, reader.nodes(), token, guard);
      }
    }
    Optional<String> difference = verifyWritten(zk, statePath, archiveId, guard, written, delta, progress);
    if (difference.isPresent()) {
      throw new OperationFailedException("restored state differs from archive " + archiveId + ": "
          + difference.get());
    }
    guard.commit(raw, token, journal.clear(raw));
    Optional<String> version = guard.verifyCommitted(raw);
    if (version.isPresent()) {
      throw new OperationFailedException("restored state differs from archive " + archiveId + ": " + version.get());
    }
    return new RestoreOutcome.Written(atFencePoint, written.znodesWritten(), written.znodesDeleted());
  }

  /**
   * After a delta, the pre-copy that proved the live state goes on proving it: its watches tell of every node the
   * restore wrote or deleted, those are read back from ZooKeeper, and every other node is proven unchanged since it was
   * read (see {@link PreCopy}'s argument). Its index is then compared with the backup's, made when the backup was
   * verified. Where that proof is lost, the whole tree is read back and compared with the archive instead.
   */
  private Optional<String> verifyWritten(CuratorFramework zk, String statePath, String archiveId,
      StorageVersionGuard guard, RestoreSummary written, Delta delta, ProgressListener progress) throws Exception {
    if (delta != null) {
      PreCopy liveTree = delta.liveTree();
      long readBefore = liveTree.rereadZnodes();
      try {
        liveTree.finishUnderFence();
        long readBack = liveTree.rereadZnodes() - readBefore;
        progress.progress("verifying: " + readBack + " znodes read back, the rest proven unchanged by the "
            + "pre-copy's watches");
        return guard.expectedWhileGuarded(delta.archived()).differencesFrom(liveTree.index(), statePath);
      } catch (ConsistencyUnprovableException e) {
        log.warn("the pre-copy's proof of {} is lost ({}); reading the whole restored tree back", statePath,
            e.getMessage());
        progress.progress("verifying: the pre-copy's watches were lost (" + e.getMessage() + "); reading the whole "
            + "restored tree back");
      }
    }
    try (ArchiveReader reader = store.open(archiveId)) {
      return new StateVerifier(zk).compare(statePath, guard.expectedWhileGuarded(reader.nodes()), written);
    }
  }

  private OperationFailedException rollBack(CuratorFramework zk, ZkTarget target, MarathonFence fence,
      FenceToken token, String backupId, String safetyId, Throwable failure, ProgressListener progress)
      throws InterruptedException {
    String reason = failure instanceof OperationFailedException ? failure.getMessage() : describe(failure);
    RestoreJournal.Entry entry = new RestoreJournal.Entry(backupId, safetyId, true, reason);
    if (Thread.interrupted()) {
      // Whatever stopped the write may have left the flag set; the state is half written, so the rollback runs
      // anyway. A new interruption during it still stops it (the next operator process then resumes the restore).
      log.warn("restore of safety snapshot {} interrupted; rolling back before stopping", safetyId);
    }
    log.warn("restore failed ({}); rolling back to safety snapshot {}", reason, safetyId);
    progress.progress("restore failed (" + reason + "); rolling back to " + safetyId);
    // A lost connection or quorum makes the first attempt fail too, and the fence may be going at the very moment
    // we look at it: keep trying (each attempt rewrites the whole saved state, so attempts are idempotent), taking
    // the fence again whenever it is not certainly ours. A partly restored state must not be left behind as a
    // finished failure, so this does not give up while the trouble can pass (ZooKeeper, Marathon, the fence): the
    // Restore stays STATUS_RESTORING, saying why, until ZooKeeper is back. Only a safety snapshot that cannot be
    // read ends it.
    long warnAfter = System.nanoTime() + rollbackPersistence().toNanos();
    boolean warned = false;
    Exception last = null;
    for (int attempt = 1; ; attempt++) {
      try {
        if (attempt == 1 && fence.isHeld()) {
          writeAndVerify(zk, target.statePath(), safetyId, entry, token, null, progress);
        } else {
          fence.close(); // a fence in doubt is no fence: leave the election before joining it again
          try (MarathonFence retaken = acquireFence(zk, marathonClient(), progress)) {
            writeAndVerify(zk, target.statePath(), safetyId, entry,
                new FenceToken(retaken.latchNodePath(), retaken.latchNodeVersion()), null, progress);
            releaseQuietly(retaken, progress);
          }
        }
        return new OperationFailedException("restore failed: " + reason
            + "; Marathon's state was rolled back to how it was before the restore (safety snapshot " + safetyId
            + ")", failure);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception rollbackFailure) {
        last = rollbackFailure;
        if (rollbackFailure instanceof ArchiveCorruptException || rollbackFailure instanceof NoSuchFileException) {
          break; // retrying cannot make the safety snapshot readable
        }
        long pause = Math.min(ROLLBACK_RETRY_PAUSE_MAX.toMillis(), ROLLBACK_RETRY_PAUSE.toMillis() * attempt);
        if (!warned && System.nanoTime() - warnAfter >= 0) {
          warned = true;
          log.error("ROLLBACK to safety snapshot {} still failing after {} attempts ({}); Marathon's state is partly "
              + "restored until it succeeds; retrying every {} s", safetyId, attempt, describe(rollbackFailure),
              pause / 1000);
        } else {
          log.warn("rollback attempt {} to safety snapshot {} failed ({}); retrying", attempt, safetyId,
              describe(rollbackFailure));
        }
        progress.progress("restore failed (" + reason + "); rollback to " + safetyId + " attempt " + attempt
            + " failed (" + describe(rollbackFailure) + "): Marathon's state is partly restored until a rollback "
            + "succeeds; retrying in " + Math.max(1, pause / 1000) + " s");
        Thread.sleep(pause);
      }
    }
    log.error("ROLLBACK FAILED for safety snapshot {}: {}", safetyId, describe(last));
    return new OperationFailedException("restore failed: " + reason + "; rolling back ALSO failed: the safety "
        + "snapshot " + safetyId + " cannot be read (" + describe(last) + "); Marathon's state is partly restored: "
        + "restore a backup taken before this restore", failure);
  }

  /** After this long a failing rollback is logged as an error: a ZooKeeper session expired and a fence retaken. */
  private Duration rollbackPersistence() {
    return config.zkSessionTimeout().plus(config.fence().acquireTimeout());
  }

  private record Released(Duration leaderless, String warning) {}

  private static String joinNotes(String first, String second) {
    return first == null ? second : second == null ? first : first + "; " + second;
  }

  /**
   * Releases the fence after the operation succeeded. Marathon not electing a leader within the recovery timeout
   * does not undo a verified archive or restored state: the fence is already left and Marathon recovers by itself,
   * so this is a warning on the outcome, not a failure.
   */
  private Released releaseAfterSuccess(MarathonFence fence, String what, ProgressListener progress)
      throws InterruptedException {
    Instant since = Instant.now();
    try {
      return new Released(fence.release(), null);
    } catch (FenceException e) {
      log.warn("the {} is complete and verified, but: {}", what, e.getMessage());
      progress.progress("the " + what + " is complete and verified, but: " + e.getMessage());
      return new Released(Duration.between(since, Instant.now()), e.getMessage());
    }
  }

  /** The rollback is written and verified by then; Marathon not coming back in time must not undo that. */
  private static void releaseQuietly(MarathonFence fence, ProgressListener progress) throws InterruptedException {
    try {
      fence.release();
    } catch (FenceException e) {
      log.warn("after the rollback: {}", e.getMessage());
      progress.progress("after the rollback: " + e.getMessage());
    }
  }

  /**
   * Marathon's state holds the restore sentinel: no Marathon runs on it until a restore finishes. {@code backupId}
   * and {@code safetySnapshotId} name the unfinished restore from its journal (null when none says).
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
    CuratorFramework zk = zookeeper();
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    if (StorageVersionGuard.read(raw, config.zookeeper().statePath()).filter(StorageVersion::isSentinel).isEmpty()) {
      return Optional.empty();
    }
    Optional<RestoreJournal.Entry> entry = new RestoreJournal(config.zookeeper().path()).read(raw);
    return Optional.of(new Guarded(entry.map(RestoreJournal.Entry::backupId).orElse(null),
        entry.map(RestoreJournal.Entry::safetySnapshotId).orElse(null),
        entry.map(RestoreJournal.Entry::rollback).orElse(false)));
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

  private MarathonFence acquireFence(CuratorFramework zk, MarathonClient marathon, ProgressListener progress)
      throws MarathonException, FenceException, InterruptedException {
    return MarathonFence.acquire(zk, config.zookeeper().latchPath(), marathon, config.fence(), progress::progress);
  }

  /**
   * Marathon's version, waiting (bounded by the fence's recovery timeout) while it restarts or elects a leader —
   * the previous operation may just have restarted it (DC/OS restarts Marathon 15 s after it exits). Wrong
   * credentials fail at once.
   */
  private MarathonInfo describeMarathon(MarathonClient marathon, ProgressListener progress)
      throws MarathonException, InterruptedException {
    long deadline = System.nanoTime() + config.fence().recoveryTimeout().toNanos();
    while (true) {
      try {
        return marathon.info();
      } catch (MarathonException e) {
        boolean transient_ = e.kind() == MarathonException.Kind.UNREACHABLE
            || e.kind() == MarathonException.Kind.NO_LEADER;
        if (!transient_ || System.nanoTime() > deadline) {
          throw e;
        }
        progress.progress("waiting for Marathon: " + e.getMessage());
        Thread.sleep(Math.max(50, config.fence().pollInterval().toMillis()));
      }
    }
  }

  private MarathonClient marathonClient() {
    return new MarathonClient(config.marathonUrl(), config.marathonCredentials(), config.marathonRequestTimeout(),
        config.marathonTrust());
  }

  private synchronized CuratorFramework zookeeper() throws OperationFailedException {
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

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  @Override
  public synchronized void close() {
    if (zookeeper != null) {
      zookeeper.close();
      zookeeper = null;
    }
  }
}
