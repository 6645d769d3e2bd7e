package io.dcos.backup.engine;

import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.PreCopy;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.StateUnavailableException;
import io.dcos.backup.zookeeper.ZkConnector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PreCopy} as an operation uses it: started while Marathon runs (on a ZooKeeper session of its own), finished
 * under the fence, written as an archive. Each step that cannot trust the copy says why and lets the caller take the
 * whole snapshot under the fence instead: a pre-copy only ever saves time, it never decides an outcome.
 */
final class PreCopyFlow {
  private static final Logger LOG = LoggerFactory.getLogger(PreCopyFlow.class);
  /** Online re-reads of what changed during a pre-copy, while they shrink, before the fence is taken. */
  private static final int ONLINE_ROUNDS = 3;

  private final TargetConfig config;
  private final ArchiveStore store;
  /** Why the copy was not used; kept for the outcome, where the final status says it (progress messages pass). */
  private String notUsed;

  PreCopyFlow(TargetConfig config, ArchiveStore store) {
    this.config = config;
    this.store = store;
  }

  /**
   * Online rounds of a pre-copy before the fence; null (said why) when the fence must take the whole snapshot.
   *
   * @param indexed index the copy as it is read: a restore diffs the live state against the backup with it
   */
  PreCopy start(String statePath, String id, boolean indexed, ProgressListener progress)
      throws InterruptedException {
    CuratorFramework own = null;
    try {
      own = ZkConnector.connect(config.zookeeper(), config.zkSessionTimeout(), config.zkConnectTimeout());
      progress.progress("copying " + statePath + " while Marathon keeps running (pre-copy)");
      Path spool = store.directory().resolve("." + id + "." + UUID.randomUUID() + ".precopy.tmp");
      PreCopy copy = indexed ? PreCopy.copyOnlineIndexed(own, statePath, spool)
          : PreCopy.copyOnline(own, statePath, spool);
      copy.refreshOnline(ONLINE_ROUNDS);
      progress.progress("pre-copy of " + copy.copiedZnodes() + " znodes done; " + copy.dirtyCount()
          + " changed since and are read again under the fence");
      return copy;
    } catch (InterruptedException e) {
      closeQuietly(own);
      throw e;
    } catch (Exception e) {
      // copyOnline closed its client itself; the fenced snapshot says what is wrong with the state, if anything is.
      closeQuietly(own);
      LOG.info("pre-copy of {} for {} not possible: {}", statePath, id, OperationFailures.describe(e));
      notUsed = "it could not be taken (" + OperationFailures.describe(e) + ")";
      progress.progress("pre-copy not possible (" + OperationFailures.describe(e) + "); the whole snapshot is taken "
          + "under the fence");
      return null;
    }
  }

  /**
   * Under the fence: re-reads what changed during the pre-copy. False (said why) when the pre-copy cannot be trusted
   * and the whole snapshot must be taken under the fence instead.
   *
   * @throws StateUnavailableException when the copy shows Marathon migrating its storage
   */
  boolean finishUnderFence(PreCopy copy, MarathonFence fence, String statePath, ProgressListener progress)
      throws Exception {
    try {
      copy.finishUnderFence();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      LOG.warn("pre-copy of {} discarded: {}", statePath, OperationFailures.describe(e));
      notUsed = "it could not be trusted (" + OperationFailures.describe(e) + ")";
      progress.progress("pre-copy discarded (" + OperationFailures.describe(e) + "); snapshotting " + statePath
          + " under the fence");
      return false;
    }
    if (copy.containsNode("/" + StateSnapshotter.MIGRATION_MARKER)) {
      throw new StateUnavailableException("Marathon is migrating its storage (" + statePath + "/"
          + StateSnapshotter.MIGRATION_MARKER + " exists); the state is not consistent until the migration "
          + "finishes. Try again later.");
    }
    if (!fence.isHeld()) {
      notUsed = "the fence was not held throughout its last reads";
      progress.progress("the fence was not held throughout the pre-copy's last reads; snapshotting " + statePath
          + " under the fence");
      return false; // the full snapshot under the fence fails as it should on a lost fence
    }
    progress.progress("state at the fence point known: " + copy.rereadZnodes() + " znodes re-read after the "
        + "pre-copy of " + copy.copiedZnodes());
    return true;
  }

  /** Why the whole state was read under the fence after all; null when the copy was used (or never started). */
  String notUsedReason() {
    return notUsed;
  }

  /** The copy, with the nodes read under the fence, as archive {@code info.id()}. */
  Manifest write(PreCopy copy, ManifestInfo info, ProgressListener progress) throws IOException {
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
}
