package io.dcos.backup.engine;

import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.marathon.RuntimeConfiguration;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.store.UndoLog;
import io.dcos.backup.zookeeper.FenceToken;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import io.dcos.backup.zookeeper.TreeIndex;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZkTarget;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One restore, run while the caller holds the operation lock: the archive verified, the storage versions checked (or
 * an unfinished restore's sentinel found), then under the fence the safety snapshot — a pre-copy finished there, or
 * the whole state — and the guarded write of the backup, only where it differs when the pre-copy proved the live
 * state ({@link RestoreWrite.Delta}). Any failure after the first write is rolled back ({@link Rollback}).
 */
final class RestoreRun {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreRun.class);

  private final CuratorFramework zk;
  private final TargetConfig config;
  private final ArchiveStore store;
  private final Fencing fencing;
  private final RestoreWrite write;

  RestoreRun(CuratorFramework zk, TargetConfig config, ArchiveStore store) {
    this.zk = zk;
    this.config = config;
    this.store = store;
    this.fencing = new Fencing(config);
    this.write = new RestoreWrite(zk, store, config.zookeeper().path());
  }

  RestoreOutcome run(String backupId, String safetyId, RestoreOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    return OperationFailures.translating(OperationFailures.Operation.RESTORE,
        () -> restore(backupId, safetyId, options, progress));
  }

  private RestoreOutcome restore(String backupId, String safetyId, RestoreOptions options, ProgressListener progress)
      throws Exception {
    ZkTarget target = config.zookeeper();
    progress.progress("verifying archive " + backupId);
    Manifest manifest = store.verify(backupId);
    Optional<String> builtIn;
    try (ArchiveReader reader = store.open(backupId)) {
      builtIn = RuntimeConfiguration.among(reader.nodes(), ZNode::relativePath, ZNode::data).pendingAction();
    }
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    Optional<StorageVersion> live = StorageVersionGuard.read(raw, target.statePath());
    boolean guarded = live.filter(StorageVersion::isSentinel).isPresent();
    Optional<RestoreJournal.Entry> unfinished = guarded ? new RestoreJournal(target.path()).read(raw) : Optional.empty();
    boolean resuming = unfinished.filter(e -> e.safetySnapshotId().equals(safetyId)).isPresent();
    String versionNote;
    boolean versionChangeAllowed = false;
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
      StorageVersionCheck.Verdict verdict = new StorageVersionCheck(store).check(backupId, live,
          options.allowStorageVersionChange(), target.statePath(), raw);
      versionNote = verdict.note();
      versionChangeAllowed = verdict.changeAllowed();
      marathonVersion = fencing.describeMarathon(fencing.marathonClient(), progress).version();
    }
    LOG.info("restoring {} ({} znodes, Marathon {}, storage {}) into {} (Marathon {}, storage {})", backupId,
        manifest.znodes(), manifest.marathonVersion(), manifest.storageVersion(), target, marathonVersion,
        live.map(StorageVersion::toString).orElse("none"));
    UndoLog undoLogs = new UndoLog(store);
    if (!guarded && store.manifest(safetyId).isEmpty() && undoLogs.exists(safetyId)) {
      DeferredSafetySnapshot.rebuildFromBackup(store, backupId, new ManifestInfo(safetyId,
          BackupService.SAFETY_LABEL, Instant.now(), target.hosts(), target.path(), marathonVersion),
          target.statePath(), progress);
    }
    boolean safetyTakenBefore = store.manifest(safetyId).isPresent();
    // An earlier attempt that died writing, before its safety snapshot was whole on disk, left its undo log.
    Optional<UndoLog.Contents> undo = resuming && !safetyTakenBefore ? undoLogs.read(safetyId) : Optional.empty();
    if (undo.isPresent() && !undo.get().statePath().equals(target.statePath())) {
      throw new OperationFailedException("restore failed: the undo log of safety snapshot " + safetyId + " is of "
          + undo.get().statePath() + ", not of " + target.statePath() + "; nothing was written");
    }
    boolean resumingSafety = safetyTakenBefore || undo.isPresent();
    // The safety snapshot is a fenced backup of the live state: most of it copied while Marathon still runs.
    PreCopyFlow preCopies = new PreCopyFlow(config, store);
    PreCopy preCopy = resumingSafety || !options.preCopy() ? null
        : preCopies.start(target.statePath(), safetyId, true, progress);
    // The backup's index, made before the fence so that the diff and the verification hash nothing under it.
    TreeIndex archivedIndex = preCopy == null ? null : RestoreWrite.Delta.indexOf(store, backupId);
    // What the undo log will need of the copy, and the delta of the backup, read while Marathon still runs.
    TreeIndex copiedIndex = preCopy == null ? null : preCopy.index();
    Map<String, ZNode> copies = preCopy == null ? null
        : DeferredSafetySnapshot.prepare(preCopy, copiedIndex, archivedIndex);
    Map<String, ZNode> backupNodes = preCopy == null ? null : RestoreWrite.Delta.load(store, backupId, manifest,
        archivedIndex.pathsToWriteOver(copiedIndex));
    // Set once the pre-copy has proved the live state at the fence point: then only what differs is written.
    RestoreWrite.Delta delta = null;
    DeferredSafetySnapshot deferred = null;
    progress.progress("restarting Marathon (leader abdication) so that no leader runs during the restore");
    long fencing_ = System.nanoTime();
    try (MarathonFence fence = guarded ? fencing.acquireOnGuardedState(zk, progress) : fencing.acquire(zk, progress)) {
      long fenced = System.nanoTime();
      ManifestInfo safety = new ManifestInfo(safetyId, BackupService.SAFETY_LABEL, Instant.now(), target.hosts(),
          target.path(), marathonVersion);
      if (safetyTakenBefore) {
        // A previous attempt died after saving the live state; it may have written part of the backup since,
        // so that saved state, not the live one, is what a rollback must return to.
        store.verify(safetyId);
        progress.progress("resuming: safety snapshot " + safetyId + " was taken by an earlier attempt");
      } else if (undo.isPresent()) {
        progress.progress("resuming: rebuilding safety snapshot " + safetyId + " from the state now and the undo log "
            + "of the earlier attempt (" + undo.get().earlier().size() + " znodes as they were, "
            + undo.get().absent().size() + " absent)");
        new FencedSnapshot(zk, store, config.zkSessionTimeout()).take(fence, target.statePath(),
            OperationFailures.Operation.RESTORE, "the safety snapshot", safety, undo.get(), progress);
      } else {
        progress.progress("taking safety snapshot " + safetyId + " of the live state");
        if (preCopy != null && preCopies.finishUnderFence(preCopy, fence, target.statePath(), progress)) {
          TreeIndex atFencePoint = preCopy.index();
          deferred = copies == null ? null : DeferredSafetySnapshot.start(store, preCopy, atFencePoint, copies,
              archivedIndex, backupId, target.statePath(), safety, progress).orElse(null);
          if (deferred == null) {
            // Unlike a backup's, written before the fence is released: the restore must not write until the state
            // it would roll back to is on disk.
            preCopies.write(preCopy, safety, progress);
          }
          delta = new RestoreWrite.Delta(preCopy, archivedIndex, manifest,
              RestoreWrite.Delta.coveringAll(backupNodes, archivedIndex, atFencePoint));
        } else {
          new FencedSnapshot(zk, store, config.zkSessionTimeout()).take(fence, target.statePath(),
              OperationFailures.Operation.RESTORE, "the safety snapshot", safety, progress);
        }
      }
      if (delta == null) {
        progress.progress("the whole state is rewritten: "
            + (resumingSafety ? "an earlier attempt may have written part of it" : "no pre-copy proved it"));
      }
      FenceToken token = new FenceToken(fence.latchNodePath(), fence.latchNodeVersion());
      Rollback rollback = new Rollback(zk, config, fencing, write);
      if (resuming && unfinished.get().rollback()) {
        progress.progress("resuming the rollback to " + safetyId + " that an earlier attempt started");
        throw rollback.run(fence, token, backupId, safetyId, new OperationFailedException(unfinished.get().reason()),
            progress);
      }
      long safetySaved = System.nanoTime();
      RestoreOutcome.Written written;
      try {
        progress.progress("writing " + manifest.znodes() + " znodes of " + backupId
            + (delta != null ? " (only where they differ from the live state)" : ""));
        written = write.underFence(fence, target.statePath(), backupId,
            new RestoreJournal.Entry(backupId, safetyId, false, null), token, delta, progress);
      } catch (Exception | Error failure) {
        // Error too (out of memory, say): a half-written state must be rolled back whatever stopped the write.
        if (deferred != null) {
          deferred.awaitForRollback();
        }
        throw rollback.run(fence, token, backupId, safetyId, failure, progress);
      }
      long verified = System.nanoTime();
      LOG.info("restore of {}: fence taken in {} ms; under it, {} {} ms, {} and verification {} ms",
          backupId, (fenced - fencing_) / 1_000_000, deferred != null ? "the undo log" : "the safety snapshot",
          (safetySaved - fenced) / 1_000_000,
          delta != null ? "the difference written" : "the whole tree written", (verified - safetySaved) / 1_000_000);
      progress.progress("waiting for Marathon to elect a leader and load the restored state");
      Fencing.Released released = Fencing.releaseAfterSuccess(fence, "restored state", progress);
      if (preCopy != null) {
        // Nothing more is read through the copy's session: it ends while the safety snapshot is finished.
        preCopy.endSessionInBackground();
      }
      if (deferred != null) {
        deferred.awaitAfterCommit(progress);
      }
      String builtInNote = builtIn.map(action -> "the backup's runtime-configuration asks Marathon's next leader to "
          + "run " + action + " (Marathon's built-in backup and restore): the leader elected now does that")
          .orElse(null);
      return new RestoreOutcome(backupId, manifest.znodes(), safetyId, released.leaderless(), released.warning(),
          joinNotes(versionNote, builtInNote), written,
          preCopyNotUsed(options, resumingSafety, preCopies, delta, written), versionChangeAllowed);
    } finally {
      if (deferred != null) {
        deferred.close();
      }
      if (preCopy != null) {
        preCopy.close();
      }
      DeferredSafetySnapshot.discardUndoLogOnceUnguarded(store, safetyId, zk, target.statePath());
    }
  }

  /** Why the whole state was rewritten; said only when a pre-copy was asked for (without one, that is the way). */
  private static String preCopyNotUsed(BackupService.RestoreOptions options, boolean safetyTakenBefore,
      PreCopyFlow preCopies, RestoreWrite.Delta delta, RestoreOutcome.Written written) {
    if (!options.preCopy()) {
      return null;
    }
    if (delta == null) {
      return safetyTakenBefore ? "the restore was resumed, and an earlier attempt may have written part of the state"
          : Objects.requireNonNullElse(preCopies.notUsedReason(), "no pre-copy proved the live state");
    }
    return written.preCopy() == null
        ? "the write was retried after a dropped connection, and the first attempt may have written part of the "
            + "difference"
        : null;
  }

  private static String joinNotes(String first, String second) {
    return first == null ? second : second == null ? first : first + "; " + second;
  }
}
