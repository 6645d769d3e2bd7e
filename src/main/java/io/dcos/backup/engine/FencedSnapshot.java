package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.store.UndoLog;
import io.dcos.backup.zookeeper.ConsistencyUnprovableException;
import io.dcos.backup.zookeeper.StateBeforeRestore;
import io.dcos.backup.zookeeper.StateChangedException;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.ZNodeSink;
import java.time.Duration;
import java.time.Instant;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole state read under the fence into a new archive, committed only while the fence is provably held: a
 * fenced backup without a pre-copy, or a restore's safety snapshot. Retried as {@link FencedAttempt} says; a lost
 * session fails at once, saying so, and nothing is committed.
 */
final class FencedSnapshot {
  private static final Logger LOG = LoggerFactory.getLogger(FencedSnapshot.class);

  private final CuratorFramework zk;
  private final ArchiveStore store;
  private final Duration sessionTimeout;

  FencedSnapshot(CuratorFramework zk, ArchiveStore store, Duration sessionTimeout) {
    this.zk = zk;
    this.store = store;
    this.sessionTimeout = sessionTimeout;
  }

  /**
   * Snapshots statePath into archive {@code info.id()} and commits it (its timestamp the commit's).
   *
   * @param operation whose words the failure messages use
   * @param what      "the snapshot" or "the safety snapshot", in the messages
   */
  Manifest take(MarathonFence fence, String statePath, OperationFailures.Operation operation, String what,
      ManifestInfo info, ProgressListener progress) throws Exception {
    return take(fence, statePath, operation, what, info, null, progress);
  }

  /**
   * As {@link #take(MarathonFence, String, OperationFailures.Operation, String, ManifestInfo, ProgressListener)}; with
   * an {@code undo} log, the archive holds the state as it was before the restore that wrote that log, rebuilt from
   * the state now ({@link StateBeforeRestore}).
   */
  Manifest take(MarathonFence fence, String statePath, OperationFailures.Operation operation, String what,
      ManifestInfo info, UndoLog.Contents undo, ProgressListener progress) throws Exception {
    String failed = operation.failed();
    FencedAttempt.Result<ArchiveWriter> result = new FencedAttempt(zk, fence::isHeld, progress).run(what, "taking " + what
        + " again", attempt -> {
          ArchiveWriter writer = store.create(info.id());
          try {
            if (undo == null) {
              snapshotRefusingDetectedChanges(statePath, writer);
            } else {
              StateBeforeRestore before = new StateBeforeRestore(writer, undo.earlier(), undo.absent());
              snapshotRefusingDetectedChanges(statePath, before);
              before.finish();
            }
            return FencedAttempt.Step.done(writer);
          } catch (StateChangedException e) {
            writer.close();
            // Every Marathon is fenced, yet the state changed: a leader's last write landing after it left the
            // election, or another writer. The stream mixes two states: discard it and read again.
            if (attempt < FencedAttempt.ATTEMPTS) {
              LOG.warn("{} attempt {} saw the state change while Marathon was fenced ({}); taking it again", what,
                  attempt, e.getMessage());
              progress.progress(what + " saw " + statePath + " change although no Marathon leads; taking it again");
              return new FencedAttempt.Step.Again<>();
            }
            return new FencedAttempt.Step.Refused<>(new OperationFailedException(failed + statePath + " kept "
                + "changing while every Marathon was fenced (" + attempt + " attempts; last: " + e.getMessage()
                + "): something other than Marathon's leader writes to it; nothing was committed", e));
          } catch (Throwable e) {
            writer.close();
            throw e;
          }
        });
    if (result instanceof FencedAttempt.Result.Finished<ArchiveWriter> finished) {
      try (ArchiveWriter writer = finished.value()) {
        if (finished.sessionLost() || !fence.isHeld()) {
          throw new OperationFailedException(failed + "lost the Marathon fence (ZooKeeper session) during " + what
              + "; the snapshot may not be consistent and was discarded");
        }
        return writer.commit(new ManifestInfo(info.id(), info.label(), Instant.now(), info.sourceHosts(),
            info.zkPath(), info.marathonVersion()));
      }
    }
    FencedAttempt.Result.ConnectionLost<ArchiveWriter> lost = (FencedAttempt.Result.ConnectionLost<ArchiveWriter>) result;
    if (lost.fenceHeld()) {
      throw new OperationFailedException(failed + "lost the connection to ZooKeeper during " + what + " on "
          + lost.attempts() + " attempts (last: " + OperationFailures.describe(lost.failure())
          + "); nothing was committed", lost.failure());
    }
    throw new OperationFailedException(failed + "lost the connection to ZooKeeper during " + what
        + " and did not get it back within the session timeout (" + sessionTimeout.toSeconds()
        + " s): no quorum or no server reachable; the session and with it the Marathon fence are gone, nothing "
        + "was committed", lost.failure());
  }

  /**
   * Under the fence no change is expected, so one the watch sees fails the snapshot. Where the server cannot watch
   * (ZooKeeper 3.5) the fence alone is the guarantee, as it was for DC/OS.
   */
  private void snapshotRefusingDetectedChanges(String statePath, ZNodeSink sink) throws Exception {
    try {
      new StateSnapshotter(zk).snapshot(statePath, sink, true);
    } catch (ConsistencyUnprovableException noWatches) {
      new StateSnapshotter(zk).snapshot(statePath, sink, false); // thrown before anything was read
    }
  }
}
