package io.dcos.backup.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.StorageVersionGuard;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Which restore is writing Marathon's state: one node beside the state ({@code <zk>/backup-operator-restore-journal}),
 * written in the same multi as the storage-version sentinel and deleted in the same multi as the real version. So it
 * exists exactly while the sentinel does, and an operator that finds the sentinel knows which restore to finish (or
 * which rollback), even if the Restore object is gone.
 *
 * <p>Only ops a ZooKeeper 3.4 server knows: plain create, setData and delete inside multi(), getData, exists.
 */
final class RestoreJournal {
  static final String NODE = "/backup-operator-restore-journal";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What is being written: the backup ({@code ROLLBACK} false), or the safety snapshot after a failure. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(String backupId, String safetySnapshotId, boolean rollback, String reason) {
    String describe() {
      return rollback ? "the rollback of the restore of " + backupId + " to safety snapshot " + safetySnapshotId
          + " (after: " + reason + ")" : "the restore of " + backupId + " (safety snapshot " + safetySnapshotId + ")";
    }
  }

  private final String path;

  /** @param zkPath Marathon's ZooKeeper path, e.g. {@code /marathon} */
  RestoreJournal(String zkPath) {
    this.path = zkPath + NODE;
  }

  String path() {
    return path;
  }

  Optional<Entry> read(ZooKeeper zk) throws Exception {
    try {
      byte[] data = zk.getData(path, false, null);
      return data == null || data.length == 0 ? Optional.empty() : Optional.of(JSON.readValue(data, Entry.class));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (java.io.IOException unreadable) {
      return Optional.empty();
    }
  }

  /**
   * Whether the state at {@code statePath} holds the storage-version sentinel of an unfinished restore, and which
   * restore this journal names (its fields null when it names none).
   */
  Optional<BackupService.Guarded> guarded(ZooKeeper zk, String statePath) throws Exception {
    if (StorageVersionGuard.read(zk, statePath).filter(StorageVersion::isSentinel).isEmpty()) {
      return Optional.empty();
    }
    Optional<Entry> entry = read(zk);
    return Optional.of(new BackupService.Guarded(entry.map(Entry::backupId).orElse(null),
        entry.map(Entry::safetySnapshotId).orElse(null), entry.map(Entry::rollback).orElse(false)));
  }

  /** The op that records {@code entry}, for the sentinel's batch; the node takes its parent's ACL. */
  List<Op> record(ZooKeeper zk, Entry entry) throws Exception {
    byte[] data = JSON.writeValueAsBytes(entry);
    if (zk.exists(path, false) != null) {
      return List.of(Op.setData(path, data, -1));
    }
    String parent = path.substring(0, path.lastIndexOf('/'));
    return List.of(Op.create(path, data, zk.getACL(parent.isEmpty() ? "/" : parent, new Stat()),
        CreateMode.PERSISTENT));
  }

  /** The op that removes the entry, for the batch that writes the real storage version. */
  List<Op> clear(ZooKeeper zk) throws Exception {
    return zk.exists(path, false) != null ? List.of(Op.delete(path, -1)) : List.of();
  }
}
