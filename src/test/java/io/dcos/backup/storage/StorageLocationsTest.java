package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationSpec;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.ZNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which location a Backup goes to, looked up in the API (never a cache): none marked default is the backup directory
 * (installations without locations, and a Backup resumed before anything synced); two defaults are refused naming
 * both; a deleted location sends existing Backups back to the backup directory. spec.storageLocation is immutable.
 */
class StorageLocationsTest {
  @TempDir Path tmp;

  private static BackupStorageLocation filesystem(String name, Path path, boolean isDefault,
      BackupStorageLocationSpec.AccessMode mode) {
    BackupStorageLocation location = new BackupStorageLocation();
    location.getMetadata().setName(name);
    location.getMetadata().setNamespace("default");
    location.setSpec(new BackupStorageLocationSpec(BackupStorageLocationSpec.Provider.filesystem, isDefault, mode,
        new BackupStorageLocationSpec.Filesystem(path.toString()), null));
    return location;
  }

  @Test
  void theDefaultIsLookedUpInTheApiAndTwoDefaultsAreRefused() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(1, "locations").withOperator(false).start();
         StorageLocations locations = new StorageLocations(world.client(), "default", world.service())) {
      KubernetesClient client = world.client();
      StorageLocations.Resolved none = locations.forNewBackup(null);
      assertThat(none.name()).isNull();
      assertThat(none.location().primary()).isTrue();

      locations.createDefaultIfNone();
      BackupStorageLocation created = client.resources(BackupStorageLocation.class).inNamespace("default")
          .withName("default").get();
      assertThat(created.getSpec().defaultLocation()).isTrue();
      assertThat(created.getSpec().filesystem().path()).isEqualTo(world.service().store().directory().toString());
      StorageLocations.Resolved byDefault = locations.forNewBackup(null);
      assertThat(byDefault.name()).isEqualTo("default");
      assertThat(byDefault.location().primary()).isTrue();
      locations.createDefaultIfNone(); // idempotent: one location exists, nothing more is created
      assertThat(client.resources(BackupStorageLocation.class).inNamespace("default").list().getItems()).hasSize(1);

      client.resource(filesystem("second", tmp.resolve("second"), true,
          BackupStorageLocationSpec.AccessMode.ReadWrite)).create();
      assertThatThrownBy(() -> locations.forNewBackup(null))
          .isInstanceOf(StorageLocations.LocationException.class)
          .hasMessageContaining("more than one BackupStorageLocation")
          .hasMessageContaining("(default, second)");
      assertThat(locations.forNewBackup("second").location().primary()).isFalse();

      assertThat(locations.forExistingBackup("deleted-since").location().primary())
          .as("a deleted location: its Backups' archives are looked for in the backup directory").isTrue();
      assertThatThrownBy(() -> locations.forNewBackup("deleted-since"))
          .hasMessageContaining("BackupStorageLocation deleted-since not found in namespace default");
    }
  }

  @Test
  void aFilesystemLocationElsewhereGetsVerifiedCopiesAndAReadOnlyOneIsNeverWritten() throws Exception {
    ArchiveStore local = new ArchiveStore(tmp.resolve("backups"));
    String id = "copied-" + java.util.UUID.randomUUID();
    try (ArchiveWriter w = local.create(id)) {
      w.accept(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
      w.accept(new ZNode("/a", new byte[] {1, 2, 3}, ZooDefs.Ids.READ_ACL_UNSAFE));
      w.commit(new ManifestInfo(id, "copied", Instant.now(), List.of("zk:2181"), "/marathon", "1.10.6"));
    }
    ArchiveStore elsewhere = new ArchiveStore(tmp.resolve("elsewhere"));
    ArchiveLocation writable = new io.dcos.backup.store.DirectoryLocation("other", elsewhere, false, false);
    writable.upload(id, local.location(id));
    assertThat(Files.readAllBytes(elsewhere.location(id))).isEqualTo(Files.readAllBytes(local.location(id)));
    assertThat(writable.ids()).containsExactly(id);

    ArchiveLocation readOnly = new io.dcos.backup.store.DirectoryLocation("other", elsewhere, false, true);
    assertThatThrownBy(() -> readOnly.delete(id)).isInstanceOf(ArchiveLocation.ReadOnlyException.class)
        .hasMessageContaining("ReadOnly");
    assertThat(elsewhere.location(id)).exists();
    ArchiveStore into = new ArchiveStore(tmp.resolve("into"));
    assertThat(readOnly.download(id, into).id()).isEqualTo(id);
  }

  @Test
  void storageLocationIsImmutableOnBackupsAndSchedules() throws Exception {
    EmbeddedWorld world = SharedWorld.get();
    KubernetesClient client = world.client();
    String ns = ApiObjects.createNamespace(client, "loc-immutable");
    Backup backup = new Backup();
    backup.getMetadata().setName("pinned");
    backup.getMetadata().setNamespace(ns);
    backup.setSpec(new BackupSpec("pinned", null, "somewhere"));
    client.resource(backup).create();
    assertThatThrownBy(() -> client.resources(Backup.class).inNamespace(ns).withName("pinned")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"storageLocation\":\"elsewhere\"}}"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is immutable");
        });

    for (String initial : new String[] {"somewhere", null}) {
      String name = initial == null ? "unpinned" : "pinned";
      BackupSchedule schedule = new BackupSchedule();
      schedule.getMetadata().setName(name);
      schedule.getMetadata().setNamespace(ns);
      schedule.setSpec(new BackupScheduleSpec("0 3 * * *", "sched", true, null, null, null, null, initial));
      client.resource(schedule).create();
      String change = initial == null ? "\"elsewhere\"" : "null";
      assertThatThrownBy(() -> client.resources(BackupSchedule.class).inNamespace(ns).withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"storageLocation\":" + change + "}}"))
          .as(name).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getMessage()).contains("storageLocation is immutable");
          });
      // Other fields of a schedule still change.
      client.resources(BackupSchedule.class).inNamespace(ns).withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"schedule\":\"0 4 * * *\"}}");
      assertThat(client.resources(BackupSchedule.class).inNamespace(ns).withName(name).get().getSpec()
          .storageLocation()).isEqualTo(initial);
    }
  }
}
