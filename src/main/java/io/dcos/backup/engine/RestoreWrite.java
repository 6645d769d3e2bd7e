package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.ConsistencyUnprovableException;
import io.dcos.backup.zookeeper.FenceToken;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.RestoreSummary;
import io.dcos.backup.zookeeper.StateRestorer;
import io.dcos.backup.zookeeper.StateVerifier;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import io.dcos.backup.zookeeper.TreeIndex;
import io.dcos.backup.zookeeper.ZNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guarded write of an archive over Marathon's state, verified (see {@link StorageVersionGuard}): the sentinel and
 * the journal first, then the tree — the whole of it, or with a {@link Delta} only what differs from the live state —
 * then the real storage version in the final batch, verified too. Until that batch commits every Marathon refuses
 * the state. Used by a restore and by its rollback (always whole).
 */
final class RestoreWrite {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreWrite.class);

  /**
   * What a restore needs to write only the difference: the pre-copy that proved the live state at the fence point,
   * and the backup's index and manifest from when it was verified.
   */
  record Delta(PreCopy liveTree, TreeIndex archived, Manifest verified, Map<String, ZNode> loaded) {
    /** The backup's nodes a delta needs above this much data are read from the archive under the fence instead. */
    static final long MAX_LOADED_BYTES = 64L * 1024 * 1024;

    /** The backup's index, made before the fence so that the diff and the verification hash nothing under it. */
    static TreeIndex indexOf(ArchiveStore store, String backupId) throws IOException {
      try (ArchiveReader reader = store.open(backupId)) {
        return TreeIndex.of(reader.nodes());
      }
    }

    /**
     * Before the fence: the backup's nodes a delta over the live tree as now copied would write, so that under the
     * fence the archive is not read again when nothing else changed; null when they hold more than
     * {@value #MAX_LOADED_BYTES} bytes of data.
     */
    static Map<String, ZNode> load(ArchiveStore store, String backupId, Manifest verified, Set<String> paths)
        throws IOException {
      Map<String, ZNode> loaded = new HashMap<>();
      long bytes = 0;
      try (ArchiveReader reader = store.openVerifiedEarlier(backupId, verified)) {
        for (Iterator<ZNode> nodes = reader.nodes(); nodes.hasNext(); ) {
          ZNode node = nodes.next();
          if (paths.contains(node.relativePath())) {
            bytes += node.data() == null ? 0 : node.data().length;
            if (bytes > MAX_LOADED_BYTES) {
              return null;
            }
            loaded.put(node.relativePath(), node);
          }
        }
      }
      return loaded;
    }

    /**
     * Under the fence: {@code loaded} when it holds every backup node a delta over the tree indexed as {@code live}
     * writes, else null (the archive is then read).
     */
    static Map<String, ZNode> coveringAll(Map<String, ZNode> loaded, TreeIndex archived, TreeIndex live) {
      if (loaded != null && loaded.keySet().containsAll(archived.pathsToWriteOver(live))) {
        return loaded;
      }
      LOG.info("the backup's nodes the delta writes were not all read before the fence; reading the archive");
      return null;
    }

    /** The backup's nodes for the delta: from memory when they were all loaded, else from the archive. */
    private Iterator<ZNode> nodes(ArchiveReader archive) {
      return loaded != null ? archived.nodesLoadedFrom(loaded) : archive.nodes();
    }
  }

  private final CuratorFramework zk;
  private final ArchiveStore store;
  private final RestoreJournal journal;

  RestoreWrite(CuratorFramework zk, ArchiveStore store, String zkPath) {
    this.zk = zk;
    this.store = store;
    this.journal = new RestoreJournal(zkPath);
  }

  /**
   * Restores the archive under the fence and verifies it, run again as {@link FencedAttempt} says when the
   * connection drops. Every batch carries the fence check, so nothing lands once the session is gone. Any other
   * failure, or a lost session, is thrown (the caller rolls back). Only the first attempt writes the delta: a failed
   * attempt may have written part of it, and what the live state holds is then known no more.
   */
  RestoreOutcome.Written underFence(MarathonFence fence, String statePath, String archiveId,
      RestoreJournal.Entry entry, FenceToken token, Delta delta, ProgressListener progress) throws Exception {
    FencedAttempt.Result<RestoreOutcome.Written> result = new FencedAttempt(zk, fence::isHeld, progress).run("the restore",
        "writing " + archiveId + " again", attempt -> FencedAttempt.Step.done(
            once(statePath, archiveId, entry, token, attempt == 1 ? delta : null, progress)));
    if (result instanceof FencedAttempt.Result.Finished<RestoreOutcome.Written> finished) {
      return finished.value();
    }
    var lost = (FencedAttempt.Result.ConnectionLost<RestoreOutcome.Written>) result;
    throw new OperationFailedException("lost the connection to ZooKeeper during the restore ("
        + OperationFailures.describe(lost.failure()) + (lost.fenceHeld() ? "), " + lost.attempts() + " times"
            : "); the ZooKeeper session and with it the Marathon fence are gone"), lost.failure());
  }

  /** One attempt, not retried; {@code delta} null: the whole tree is written and read back. */
  RestoreOutcome.Written once(String statePath, String archiveId, RestoreJournal.Entry entry, FenceToken token,
      Delta delta, ProgressListener progress) throws Exception {
    ZooKeeper raw = zk.getZookeeperClient().getZooKeeper();
    StorageVersionGuard guard = new StorageVersionGuard(journal.record(raw, entry));
    PreCopy.Figures atFencePoint = delta == null ? null : delta.liveTree().figures();
    RestoreSummary written;
    if (delta != null) {
      try (ArchiveReader reader = store.openVerifiedEarlier(archiveId, delta.verified())) {
        written = new StateRestorer(zk).restoreDelta(statePath, delta.liveTree(), delta.archived(),
            delta.nodes(reader), token, guard);
      }
      progress.progress("wrote " + written.znodesWritten() + " znodes and deleted " + written.znodesDeleted()
          + " where the live state differed from " + archiveId);
    } else {
      try (ArchiveReader reader = store.open(archiveId)) {
        written = new StateRestorer(zk).restore(statePath, reader.nodes(), token, guard);
      }
    }
    Optional<String> difference = verifyWritten(statePath, archiveId, guard, written, delta, progress);
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
  private Optional<String> verifyWritten(String statePath, String archiveId, StorageVersionGuard guard,
      RestoreSummary written, Delta delta, ProgressListener progress) throws Exception {
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
        LOG.warn("the pre-copy's proof of {} is lost ({}); reading the whole restored tree back", statePath,
            e.getMessage());
        progress.progress("verifying: the pre-copy's watches were lost (" + e.getMessage() + "); reading the whole "
            + "restored tree back");
      }
    }
    try (ArchiveReader reader = store.open(archiveId)) {
      return new StateVerifier(zk).compare(statePath, guard.expectedWhileGuarded(reader.nodes()), written);
    }
  }
}
