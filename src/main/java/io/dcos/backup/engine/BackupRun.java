package io.dcos.backup.engine;

import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.marathon.MarathonInfo;
import io.dcos.backup.marathon.RuntimeConfiguration;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.ConsistencyUnprovableException;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.StateChangedException;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup, run while the caller holds the operation lock: an archive an earlier attempt committed is reused;
 * otherwise online attempts if asked, then the fenced backup — a pre-copy before the fence and, under it, only what
 * changed since (or the whole snapshot when the pre-copy cannot be trusted) — then the archive verified.
 */
final class BackupRun {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRun.class);

  private final CuratorFramework zk;
  private final TargetConfig config;
  private final ArchiveStore store;
  private final Fencing fencing;

  BackupRun(CuratorFramework zk, TargetConfig config, ArchiveStore store) {
    this.zk = zk;
    this.config = config;
    this.store = store;
    this.fencing = new Fencing(config);
  }

  /**
   * As {@link #run}, the outcome warning when the state's runtime-configuration asks Marathon's next leader to run
   * Marathon's built-in backup. Read before the fence: the leader elected after it stores the node back reset. A
   * failure to read it is thrown as it is, not as the backup's failure.
   */
  BackupOutcome runWarningOfBuiltInBackup(String id, String label, BackupOptions options, ProgressListener progress)
      throws Exception {
    Optional<String> builtIn = RuntimeConfiguration.live(zk.getZookeeperClient().getZooKeeper(),
        config.zookeeper().statePath()).pendingAction();
    BackupOutcome outcome = run(id, label, options, progress);
    return builtIn.map(action -> outcome.withWarning("the state's runtime-configuration asks Marathon's "
        + "next leader to run " + action + " (Marathon's built-in backup): a restore of this backup makes "
        + "Marathon run it again")).orElse(outcome);
  }

  BackupOutcome run(String id, String label, BackupOptions options, ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    return OperationFailures.translating(OperationFailures.Operation.BACKUP, () -> {
      Optional<BackupOutcome> alreadyTaken = alreadyCommitted(id, progress);
      if (alreadyTaken.isPresent()) {
        return alreadyTaken.get();
      }
      MarathonClient marathon = fencing.marathonClient();
      MarathonInfo info = fencing.describeMarathon(marathon, progress);
      if (options.online()) {
        Optional<BackupOutcome> online = online(id, label, info, options, progress);
        if (online.isPresent()) {
          return online.get();
        }
      }
      return fenced(id, label, info, marathon, options, progress);
    });
  }

  private BackupOutcome fenced(String id, String label, MarathonInfo info, MarathonClient marathon,
      BackupOptions options, ProgressListener progress) throws Exception {
    ZkTarget target = config.zookeeper();
    PreCopyFlow preCopies = new PreCopyFlow(config, store);
    Manifest manifest = null;
    Manifest verified;
    Fencing.Released released;
    int abdications;
    PreCopy.Figures preCopyFigures = null;
    PreCopy preCopy = options.preCopy() ? preCopies.start(target.statePath(), id, false, progress) : null;
    try {
      progress.progress("restarting Marathon (leader abdication) so that no leader writes during the backup");
      try (MarathonFence fence = fencing.acquire(zk, marathon, progress)) {
        boolean delta = preCopy != null && preCopies.finishUnderFence(preCopy, fence, target.statePath(), progress);
        Instant fencePoint = Instant.now();
        ManifestInfo manifestInfo = new ManifestInfo(id, label, fencePoint, target.hosts(), target.path(),
            info.version());
        if (delta) {
          preCopyFigures = preCopy.figures();
        } else {
          progress.progress("snapshotting " + target.statePath());
          manifest = new FencedSnapshot(zk, store, config.zkSessionTimeout()).take(fence, target.statePath(),
              OperationFailures.Operation.BACKUP, "the snapshot", manifestInfo, progress);
        }
        abdications = fence.abdications();
        progress.progress("waiting for Marathon to elect a leader again");
        released = Fencing.releaseAfterSuccess(fence, delta ? "snapshot" : "archive", progress);
        if (preCopy != null) {
          // Nothing more is read through the copy's session: it ends while the archive is written and verified.
          preCopy.endSessionInBackground();
        }
        if (delta) {
          // After the release: what the archive holds was fixed at the fence point, so writing it need not keep
          // Marathon waiting.
          manifest = preCopies.write(preCopy, manifestInfo, progress);
        }
      }
      progress.progress("verifying archive " + id);
      verified = store.verify(id);
    } finally {
      if (preCopy != null) {
        preCopy.close();
      }
    }
    LOG.info("backup {} verified: {} znodes, {} bytes, Marathon leaderless {} ms", id, verified.znodes(),
        verified.bytes(), released.leaderless().toMillis());
    return new BackupOutcome(manifest, store.location(id), released.leaderless(), abdications,
        options.online() ? BackupOutcome.Consistency.FENCED_FALLBACK : BackupOutcome.Consistency.FENCED,
        released.warning(), preCopyFigures, preCopies.notUsedReason());
  }

  /** Online attempts; empty when the fenced backup must be taken instead. */
  private Optional<BackupOutcome> online(String id, String label, MarathonInfo info, BackupOptions options,
      ProgressListener progress) throws Exception {
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
        LOG.info("backup {} taken online (attempt {}), verified: {} znodes, {} bytes, no Marathon restart", id,
            attempt, verified.znodes(), verified.bytes());
        return Optional.of(new BackupOutcome(manifest, store.location(id), Duration.ZERO, 0,
            BackupOutcome.Consistency.ONLINE));
      } catch (ConsistencyUnprovableException e) {
        lastChange = e.getMessage();
        break;
      } catch (StateChangedException e) {
        lastChange = e.getMessage();
        LOG.info("online backup {} attempt {} discarded: {}", id, attempt, e.getMessage());
        if (attempt < options.onlineAttempts()) {
          Thread.sleep(options.retryDelay().toMillis());
        }
      }
    }
    progress.progress("online snapshot not possible (" + lastChange + "); falling back to a fenced backup");
    return Optional.empty();
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
}
