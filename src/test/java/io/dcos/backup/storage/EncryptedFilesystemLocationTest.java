package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationSpec;
import io.dcos.backup.api.BackupStorageLocationSpec.AccessMode;
import io.dcos.backup.api.BackupStorageLocationSpec.Encryption;
import io.dcos.backup.api.BackupStorageLocationSpec.Filesystem;
import io.dcos.backup.api.BackupStorageLocationStatus.LocationPhase;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.ZNode;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An encrypted filesystem location through the operator: the Backup's archive is ciphertext on disk and its status
 * names the key id; it restores with its key; with another key under that id the Restore fails before ZooKeeper is
 * touched; a new cluster's ReadOnly location on the directory recovers the Backup, naming its key; encryption on the
 * backup directory itself makes the location Unavailable, saying why.
 */
class EncryptedFilesystemLocationTest {
  /** The recovery namespace of the embedded world: where its locations live. */
  private static final String LOCATIONS = "default";
  private static final String KEY_ID = "2026-12";

  @TempDir Path tmp;

  @Test
  void anEncryptedDirectoryRestoresWithItsKeyAndRefusesAWrongOneBeforeZooKeeperIsTouched() throws Exception {
    EmbeddedWorld world = SharedWorld.get();
    KubernetesClient client = world.client();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String keys = keySecret(client, key);
    Path vault = tmp.resolve("vault");
    String location = location(client, vault.toString(), keys);
    awaitLocation(client, location, LocationPhase.Available);
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient(world.zookeeper().connectString(),
        new ExponentialBackoffRetry(200, 5))) {
      zk.start();
      zk.blockUntilConnected();
      String root = world.zookeeper().statePath() + "/" + SharedWorld.namespace("fs-enc");
      zk.create().forPath(root, new byte[] {1, 2, 3});
      for (int i = 0; i < 10; i++) {
        zk.create().forPath(root + "/app-" + i, ("app-" + i).getBytes(StandardCharsets.UTF_8));
      }
      List<ZNode> planted = tree(zk, root);

      String ns = ApiObjects.createNamespace(client, "fs-enc");
      Backup backup = new Backup();
      backup.getMetadata().setName("sealed");
      backup.getMetadata().setNamespace(ns);
      backup.setSpec(new BackupSpec("fs-sealed", null, location));
      client.resource(backup).create();
      Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "sealed", Phase.STATUS_READY);
      assertThat(ready.getStatus().encryptionKeyId()).as("the key's id, read back from the stored archive")
          .isEqualTo(KEY_ID);
      assertThat(ready.getStatus().storageLocation()).isEqualTo(location);
      Path stored = vault.resolve(ready.getStatus().objectKey());
      assertThat(new String(Files.readAllBytes(stored), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("MBKENC01");
      assertThat(world.backupDirectory().resolve(ready.getStatus().id() + ".tar")).as("no plaintext copy left")
          .doesNotExist();

      zk.setData().forPath(root + "/app-2", "changed".getBytes(StandardCharsets.UTF_8));
      client.resource(ApiObjects.restore(ns, "unsealed", new RestoreSpec(ready.getStatus().id(), null))).create();
      ApiObjects.awaitPhase(client, Restore.class, ns, "unsealed", Phase.STATUS_READY);
      assertThat(tree(zk, root)).isEqualTo(planted);

      byte[] wrong = key.clone();
      wrong[0] ^= 1;
      client.secrets().inNamespace(LOCATIONS).withName(keys).edit(secret -> {
        secret.setData(Map.of(KEY_ID, Base64.getEncoder().encodeToString(wrong)));
        return secret;
      });
      zk.setData().forPath(root + "/app-2", "changed again".getBytes(StandardCharsets.UTF_8));
      List<ZNode> live = tree(zk, root);
      client.resource(ApiObjects.restore(ns, "wrong-key", new RestoreSpec(ready.getStatus().id(), null))).create();
      Restore refused = ApiObjects.awaitPhase(client, Restore.class, ns, "wrong-key", Phase.STATUS_ERROR);
      assertThat(refused.getStatus().message()).contains("cannot be decrypted", "nothing was written to ZooKeeper")
          .doesNotContain(Base64.getEncoder().encodeToString(wrong));
      assertThat(tree(zk, root)).isEqualTo(live);
    } finally {
      client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(location).delete();
    }
  }

  @Test
  void encryptionOnTheBackupDirectoryItselfMakesTheLocationUnavailable() throws Exception {
    EmbeddedWorld world = SharedWorld.get();
    KubernetesClient client = world.client();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String location = location(client, world.backupDirectory().toString(), keySecret(client, key));
    try {
      BackupStorageLocation unavailable = awaitLocation(client, location, LocationPhase.Unavailable);
      assertThat(unavailable.getStatus().message())
          .contains("spec.filesystem.encryption needs a directory other than the operator's backup directory");
    } finally {
      client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(location).delete();
    }
  }

  /** Restoring into a new cluster: its ReadOnly location on the same directory, with the key, recovers the Backups. */
  @Test
  void aReadOnlyEncryptedDirectoryRecoversItsBackupsIntoAnEmptyClusterNamingTheirKey() throws Exception {
    EmbeddedWorld world = SharedWorld.get();
    KubernetesClient client = world.client();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path vault = tmp.resolve("shared-vault");
    String writer = location(client, vault.toString(), keySecret(client, key));
    String id;
    try {
      awaitLocation(client, writer, LocationPhase.Available);
      String ns = ApiObjects.createNamespace(client, "fs-enc-source");
      Backup backup = new Backup();
      backup.getMetadata().setName("source");
      backup.getMetadata().setNamespace(ns);
      backup.setSpec(new BackupSpec("fs-source", null, writer));
      client.resource(backup).create();
      id = ApiObjects.awaitPhase(client, Backup.class, ns, "source", Phase.STATUS_READY).getStatus().id();
    } finally {
      client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(writer).delete();
    }

    try (EmbeddedWorld rebuilt = SharedWorld.builder(1, "fs-enc-rebuilt").withOperator(false).start()) {
      KubernetesClient other = rebuilt.client();
      String readOnly = location(other, vault.toString(), keySecret(other, key), AccessMode.ReadOnly);
      rebuilt.startOperator();
      awaitLocation(other, readOnly, LocationPhase.Available);
      await().atMost(ApiObjects.OPERATION_TIMEOUT).until(() -> other.resources(Backup.class).inAnyNamespace().list()
          .getItems().stream().anyMatch(b -> b.getStatus() != null && id.equals(b.getStatus().id())));
      Backup recovered = other.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .filter(b -> b.getStatus() != null && id.equals(b.getStatus().id())).findFirst().orElseThrow();
      assertThat(recovered.getStatus().recoveredFromStore()).isTrue();
      assertThat(recovered.getStatus().storageLocation()).isEqualTo(readOnly);
      assertThat(recovered.getStatus().encryptionKeyId()).as("read from the archive's header").isEqualTo(KEY_ID);
      other.resource(ApiObjects.restore(LOCATIONS, "into-rebuilt", new RestoreSpec(id, null))).create();
      ApiObjects.awaitPhase(other, Restore.class, LOCATIONS, "into-rebuilt", Phase.STATUS_READY);
      rebuilt.stopOperator();
    }
  }

  private static String keySecret(KubernetesClient client, byte[] key) {
    String name = SharedWorld.namespace("fs-keys");
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(LOCATIONS).endMetadata()
        .withData(Map.of(KEY_ID, Base64.getEncoder().encodeToString(key))).build()).create();
    return name;
  }

  private static String location(KubernetesClient client, String path, String keySecret) {
    return location(client, path, keySecret, AccessMode.ReadWrite);
  }

  private static String location(KubernetesClient client, String path, String keySecret, AccessMode mode) {
    String name = SharedWorld.namespace("fs-enc");
    BackupStorageLocation location = new BackupStorageLocation();
    location.getMetadata().setName(name);
    location.getMetadata().setNamespace(LOCATIONS);
    location.setSpec(new BackupStorageLocationSpec(BackupStorageLocationSpec.Provider.filesystem, false, mode,
        new Filesystem(path, new Encryption(keySecret, KEY_ID)), null));
    client.resource(location).create();
    return name;
  }

  private static BackupStorageLocation awaitLocation(KubernetesClient client, String name, LocationPhase phase) {
    await().atMost(ApiObjects.OPERATION_TIMEOUT).until(() -> {
      BackupStorageLocation l = client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(name)
          .get();
      return l.getStatus() != null && l.getStatus().phase() == phase;
    });
    return client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(name).get();
  }

  private static List<ZNode> tree(CuratorFramework zk, String root) throws Exception {
    List<ZNode> out = new ArrayList<>();
    new StateSnapshotter(zk).snapshot(root, out::add);
    return out;
  }
}
