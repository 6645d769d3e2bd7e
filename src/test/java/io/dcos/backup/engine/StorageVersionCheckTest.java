package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.ZkConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * A restore Marathon could not run is refused before anything is written: an archive newer than the live state's
 * storage version (a backup taken before a downgrade). The explicit flag allows it. An archive without the node
 * restores, and the restore leaves no sentinel behind.
 */
class StorageVersionCheckTest {
  private static final StorageVersion V1_9 = new StorageVersion(19, 300, 0, StorageVersion.PERSISTENCE_STORE);

  @Test
  void aNewerArchiveIsRefusedUntouchedAndAllowedByTheFlag() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(3, "storage-version").withKubernetes(false).start();
         CuratorFramework zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15))) {
      awaitLeader(world);
      String version = world.zookeeper().statePath() + "/" + StorageVersion.NODE;
      String id = "newer-" + UUID.randomUUID();
      BackupOutcome backup = world.service().backup(id, "newer", ProgressListener.NONE);
      assertThat(backup.manifest().storageVersion()).isEqualTo("Version(110, 100, 0, PERSISTENCE_STORE)");

      // Marathon downgraded to 1.9 since: its state is at 1.9's storage version.
      zk.setData().forPath(version, V1_9.toNodeData());
      Stat before = zk.checkExists().forPath(world.zookeeper().statePath());
      int electionsBefore = world.simulator().orElseThrow().elections();
      List<String> progress = new ArrayList<>();
      assertThatThrownBy(() -> world.service().restore(id, "pre-restore-" + UUID.randomUUID(), progress::add))
          .isInstanceOf(OperationFailedException.class)
          .hasMessageContaining("restore refused, nothing was written")
          .hasMessageContaining("Version(110, 100, 0, PERSISTENCE_STORE)")
          .hasMessageContaining(V1_9.toString())
          .hasMessageContaining("spec.allowStorageVersionChange");
      Stat after = zk.checkExists().forPath(world.zookeeper().statePath());
      assertThat(after.getPzxid()).as("no child of state created or deleted").isEqualTo(before.getPzxid());
      assertThat(StorageVersion.fromNodeData(zk.getData().forPath(version))).contains(V1_9);
      assertThat(world.simulator().orElseThrow().elections()).as("Marathon not restarted").isEqualTo(electionsBefore);
      assertThat(progress).noneMatch(p -> p.contains("abdication"));

      RestoreOutcome allowed = world.service().restore(id, "pre-restore-" + UUID.randomUUID(),
          new BackupService.RestoreOptions(true), ProgressListener.NONE);
      assertThat(allowed.storageVersionNote()).contains("allowed by spec.allowStorageVersionChange")
          .contains(V1_9.toString());
      assertThat(allowed.storageVersionChangeAllowed()).as("the flag the StorageVersionChangeAllowed Event follows")
          .isTrue();
      assertThat(StorageVersion.fromNodeData(zk.getData().forPath(version)))
          .contains(new StorageVersion(110, 100, 0, StorageVersion.PERSISTENCE_STORE));
      assertThat(zk.checkExists().forPath(world.zookeeper().path() + RestoreJournal.NODE)).isNull();
      awaitLeader(world);

      // An older, supported archive restores; Marathon migrates it.
      zk.setData().forPath(version, V1_9.toNodeData());
      String older = "older-" + UUID.randomUUID();
      world.service().backup(older, "older", ProgressListener.NONE);
      awaitLeader(world);
      assertThat(world.service().archive(older).orElseThrow().storageVersion()).isEqualTo(V1_9.toString());
      zk.setData().forPath(version, new StorageVersion(110, 100, 0, StorageVersion.PERSISTENCE_STORE).toNodeData());
      RestoreOutcome migrated = world.service().restore(older, "pre-restore-" + UUID.randomUUID(),
          ProgressListener.NONE);
      assertThat(migrated.storageVersionNote()).contains("Marathon migrates it forward");
      assertThat(migrated.storageVersionChangeAllowed()).as("a migration Marathon does itself").isFalse();
      awaitLeader(world);
    }
  }

  @Test
  void anArchiveWithoutTheVersionNodeRestoresAndLeavesNoSentinel() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(1, "storage-version-none").withKubernetes(false).start();
         CuratorFramework zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15))) {
      awaitLeader(world);
      String version = world.zookeeper().statePath() + "/" + StorageVersion.NODE;
      // The leader checks the version only when elected, so the node stays absent until the backup's fence has
      // made it abdicate: the snapshot, taken under the fence, has no such node.
      zk.delete().forPath(version);
      String id = "none-" + UUID.randomUUID();
      world.service().backup(id, "none", ProgressListener.NONE);
      Manifest manifest = world.service().archive(id).orElseThrow();
      assertThat(manifest.storageVersion()).isEqualTo(Manifest.NO_STORAGE_VERSION);
      awaitLeader(world);
      world.service().restore(id, "pre-restore-" + UUID.randomUUID(), ProgressListener.NONE);
      awaitLeader(world);
      // The final batch deleted the sentinel; the Marathon elected after it found no version (a fresh install)
      // and wrote its own.
      assertThat(StorageVersion.fromNodeData(zk.getData().forPath(version)).orElseThrow().isSentinel()).isFalse();
    }
  }

  private static void awaitLeader(EmbeddedWorld world) throws InterruptedException {
    for (int i = 0; i < 400 && world.simulator().orElseThrow().leaderIndex().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(world.simulator().orElseThrow().leaderIndex()).isPresent();
  }
}
