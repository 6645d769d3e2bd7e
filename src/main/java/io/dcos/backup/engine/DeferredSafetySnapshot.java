package io.dcos.backup.engine;

import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.store.UndoLog;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.StateBeforeRestore;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import io.dcos.backup.zookeeper.TreeIndex;
import io.dcos.backup.zookeeper.ZNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety snapshot of a restore whose pre-copy proved the live state at the fence point, made durable in two steps
 * so that Marathon's leaderless window does not grow with the state. Under the fence, before the first write, only an
 * {@link UndoLog} is written: every node the write may change, as it was (the nodes where the live state and the
 * backup differ, and the storage version the sentinel replaces). From it and whatever the state holds after a crash,
 * the state before the restore can be rebuilt ({@link io.dcos.backup.zookeeper.StateBeforeRestore}), because the write
 * touches no other node. The whole snapshot is written beside the write, from the pre-copy as it was at the fence
 * point; a rollback waits for it, and a restore that succeeded waits for it after the fence is released, before it
 * reports done. A crash before it is on disk loses nothing: on a state that still holds the sentinel, the state now
 * with the log applied is the state before; on one without (the restore committed, or never wrote), the backup with
 * the log applied is.
 */
final class DeferredSafetySnapshot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeferredSafetySnapshot.class);
  /** The earlier nodes a restore keeps in memory for its undo log; a larger difference is snapshotted whole first. */
  static final long MAX_UNDO_BYTES = 64L * 1024 * 1024;

  private final ArchiveStore store;
  private final ManifestInfo info;
  private final PreCopy.TreeAtFencePoint tree;
  private final CompletableFuture<Manifest> written;

  private DeferredSafetySnapshot(ArchiveStore store, ManifestInfo info, PreCopy.TreeAtFencePoint tree) {
    this.store = store;
    this.info = info;
    this.tree = tree;
    this.written = new CompletableFuture<>();
    Thread writer = new Thread(() -> {
      try {
        written.complete(write());
      } catch (Throwable e) {
        written.completeExceptionally(e);
      }
    }, "safety-snapshot-" + info.id());
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Before the fence: the pre-copy's copies of the nodes that differ from the backup now, which the undo log will
   * need; null when their data exceeds {@value #MAX_UNDO_BYTES} bytes (the safety snapshot is then written whole
   * before the first write). Nodes that change after this are re-read under the fence, so the log finds them in
   * memory too.
   */
  static Map<String, ZNode> prepare(PreCopy copy, TreeIndex live, TreeIndex archived) throws IOException {
    return copy.copiesOf(touchedBy(live, archived), MAX_UNDO_BYTES);
  }

  /** The nodes a delta restore of {@code archived} over a tree indexed as {@code live} may write. */
  private static Set<String> touchedBy(TreeIndex live, TreeIndex archived) {
    Set<String> touched = live.pathsDifferingFrom(archived);
    touched.add(StorageVersionGuard.relativePath());
    return touched;
  }

  /**
   * Under the fence, once the pre-copy proved the live state: writes the undo log durably and starts the whole
   * snapshot. Empty when the log cannot be made from {@code copies} (the caller then writes the snapshot whole).
   */
  static Optional<DeferredSafetySnapshot> start(ArchiveStore store, PreCopy copy, TreeIndex live,
      Map<String, ZNode> copies, TreeIndex archived, String backupId, String statePath, ManifestInfo info,
      ProgressListener progress) throws IOException {
    Set<String> touched = touchedBy(live, archived);
    List<ZNode> earlier = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    long bytes = 0;
    for (String rel : touched) {
      Optional<ZNode> node;
      try {
        node = copy.nodeAt(rel, copies);
      } catch (IllegalStateException notRead) {
        LOG.warn("undo log of {} not possible ({}); writing the safety snapshot whole first", info.id(),
            notRead.getMessage());
        return Optional.empty();
      }
      if (node.isEmpty()) {
        absent.add(rel);
        continue;
      }
      earlier.add(node.get());
      bytes += node.get().data() == null ? 0 : node.get().data().length;
      if (bytes > MAX_UNDO_BYTES) {
        return Optional.empty();
      }
    }
    new UndoLog(store).write(info.id(), new UndoLog.Contents(backupId, statePath, earlier, absent));
    progress.progress("undo log of safety snapshot " + info.id() + " on disk (" + earlier.size() + " znodes as they "
        + "are, " + absent.size() + " absent); the whole snapshot is written beside the restore");
    return Optional.of(new DeferredSafetySnapshot(store, info, copy.atFencePoint()));
  }

  private Manifest write() throws IOException {
    try (ArchiveWriter writer = store.create(info.id())) {
      tree.writeTo(writer);
      return writer.commit(info);
    }
  }

  /**
   * The whole safety snapshot, once on disk; written again here when the write beside the restore failed (a full disk
   * that since has room, say).
   */
  Manifest await() throws Exception {
    try {
      return written.get();
    } catch (ExecutionException failed) {
      LOG.warn("writing safety snapshot {} beside the restore failed ({}); writing it again", info.id(),
          OperationFailures.describe(failed.getCause()));
      if (store.manifest(info.id()).isPresent()) {
        return store.verify(info.id());
      }
      return write();
    }
  }

  /**
   * The restore is committed and Marathon leads on it; it is reported done once its safety snapshot is whole on disk.
   * Until then a crash loses nothing: the undo log and the backup rebuild it ({@link #rebuildFromBackup}).
   */
  void awaitAfterCommit(ProgressListener progress) throws Exception {
    progress.progress("restored; writing safety snapshot " + info.id() + " to disk");
    try {
      await();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("the backup was restored and Marathon runs on it, but its safety snapshot "
          + info.id() + " could not be written (" + OperationFailures.describe(e) + "); the undo log "
          + info.id() + ".undo beside the archives and the backup still hold the state before the restore", e);
    }
  }

  /** A failed write leaves the rollback to say that the safety snapshot cannot be read; the state stays guarded. */
  void awaitForRollback() throws InterruptedException {
    try {
      await();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      LOG.error("safety snapshot {} could not be written ({}); its undo log stays for a resumed restore", info.id(),
          OperationFailures.describe(e));
    }
  }

  /**
   * An earlier attempt of this restore left its undo log without a whole safety snapshot, and the state holds no
   * sentinel: that attempt either committed (the state it left was the backup) or stopped before its first write. In
   * both cases the backup with the undo log applied is the state before that attempt, with no need to read ZooKeeper.
   */
  static void rebuildFromBackup(ArchiveStore store, String backupId, ManifestInfo safety, String statePath,
      ProgressListener progress) throws Exception {
    UndoLog.Contents undo = new UndoLog(store).read(safety.id()).orElseThrow();
    if (!undo.backupId().equals(backupId) || !undo.statePath().equals(statePath)) {
      throw new OperationFailedException("restore failed: the undo log of safety snapshot " + safety.id() + " is of "
          + "a restore of " + undo.backupId() + " over " + undo.statePath() + ", not of " + backupId + " over "
          + statePath + "; nothing was written");
    }
    progress.progress("resuming: rebuilding safety snapshot " + safety.id() + " from backup " + backupId + " and the "
        + "undo log of an earlier attempt");
    try (ArchiveReader backup = store.open(backupId); ArchiveWriter writer = store.create(safety.id())) {
      StateBeforeRestore before = new StateBeforeRestore(writer, undo.earlier(), undo.absent());
      for (Iterator<ZNode> nodes = backup.nodes(); nodes.hasNext(); ) {
        before.accept(nodes.next());
      }
      before.finish();
      writer.commit(safety);
    }
  }

  /**
   * The undo log is needed only while the state holds the sentinel: once the restore committed, or rolled back, and
   * the safety snapshot is whole on disk, it goes.
   */
  static void discardUndoLogOnceUnguarded(ArchiveStore store, String safetyId, CuratorFramework zk,
      String statePath) {
    UndoLog undoLogs = new UndoLog(store);
    try {
      if (undoLogs.exists(safetyId) && store.manifest(safetyId).isPresent()
          && !StorageVersionGuard.read(zk.getZookeeperClient().getZooKeeper(), statePath)
              .filter(StorageVersion::isSentinel).isPresent()) {
        undoLogs.delete(safetyId);
      }
    } catch (Exception e) {
      LOG.warn("could not remove the undo log of safety snapshot {}: {}", safetyId, OperationFailures.describe(e));
    }
  }

  /** Waits for the write beside the restore to end: it reads the pre-copy's scratch copy, which closing deletes. */
  @Override
  public void close() {
    try {
      written.handle((m, e) -> null).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // handle() completes normally
    }
  }
}
