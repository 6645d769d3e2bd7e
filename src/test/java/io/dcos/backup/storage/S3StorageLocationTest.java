package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationSpec;
import io.dcos.backup.api.BackupStorageLocationStatus.LocationPhase;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.reconciler.ArchiveRecovery;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.ZNode;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Backups through BackupStorageLocations on a real S3 API server (s3proxy), driven through the operator in the
 * shared world: a round trip byte for byte with ACLs; the store down mid-upload; a tampered object refused before
 * ZooKeeper is touched; wrong credentials and an unknown bucket making the location Unavailable and its Backups fail
 * with the same reason; recovery from a ReadOnly location into an empty cluster, where deletion is refused.
 *
 * <p>None of these locations is the default: the other tests sharing the world keep the backup directory.
 */
class S3StorageLocationTest {
  private static final Duration BOUND = ApiObjects.OPERATION_TIMEOUT;
  /** The recovery namespace of the embedded world: where its locations live. */
  private static final String LOCATIONS = "default";

  private static EmbeddedWorld world;
  private static EmbeddedS3 s3;
  private static KubernetesClient client;
  private static CuratorFramework zk;
  private static final List<String> created = new ArrayList<>();
  private static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
      new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    world = SharedWorld.get();
    s3 = SharedWorld.s3();
    client = world.client();
    zk = CuratorFrameworkFactory.newClient(world.zookeeper().connectString(), new ExponentialBackoffRetry(200, 5));
    zk.start();
    zk.blockUntilConnected();
    logs.start();
    root().addAppender(logs);
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** Secret keys reach the operator only through Secrets: no log line, Event or status of this class shows one. */
  @AfterAll
  static void noSecretWasLoggedOrShown() {
    root().detachAppender(logs);
    List<String> texts = new ArrayList<>();
    logs.list.forEach(event -> {
      texts.add(event.getFormattedMessage());
      if (event.getThrowableProxy() != null) {
        texts.add(event.getThrowableProxy().getMessage());
      }
    });
    client.v1().events().inAnyNamespace().list().getItems().forEach(e -> texts.add(e.getMessage()));
    client.resources(Backup.class).inAnyNamespace().list().getItems().forEach(b -> texts.add(String.valueOf(
        b.getStatus())));
    client.resources(BackupStorageLocation.class).inAnyNamespace().list().getItems().forEach(l -> texts.add(
        String.valueOf(l.getStatus())));
    assertThat(texts).isNotEmpty().noneMatch(text -> text != null && (text.contains(EmbeddedS3.SECRET_KEY)
        || text.contains("not-the-secret")));
  }

  @AfterAll
  static void stop() {
    for (String name : created) {
      client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(name).delete();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private static String secret(KubernetesClient client, String secretKey) {
    String name = SharedWorld.namespace("s3-creds");
    Base64.Encoder b64 = Base64.getEncoder();
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(LOCATIONS).endMetadata()
        .withData(Map.of("AWS_ACCESS_KEY_ID", b64.encodeToString(EmbeddedS3.ACCESS_KEY.getBytes(StandardCharsets.UTF_8)),
            "AWS_SECRET_ACCESS_KEY", b64.encodeToString(secretKey.getBytes(StandardCharsets.UTF_8))))
        .build()).create();
    return name;
  }

  private static String location(KubernetesClient client, String bucket, URI endpoint, String secretKey,
      BackupStorageLocationSpec.AccessMode mode) {
    String name = SharedWorld.namespace("s3-loc");
    BackupStorageLocation location = new BackupStorageLocation();
    location.getMetadata().setName(name);
    location.getMetadata().setNamespace(LOCATIONS);
    location.setSpec(new BackupStorageLocationSpec(BackupStorageLocationSpec.Provider.s3, false, mode, null,
        new BackupStorageLocationSpec.S3(bucket, "marathon", "us-east-1", endpoint.toString(), true,
            new BackupStorageLocationSpec.CredentialsSecret(secret(client, secretKey), null, null), null, null,
            null)));
    client.resource(location).create();
    if (client == S3StorageLocationTest.client) {
      created.add(name);
    }
    return name;
  }

  private static BackupStorageLocation awaitLocation(KubernetesClient client, String name, LocationPhase phase) {
    await().atMost(BOUND).until(() -> {
      BackupStorageLocation l = client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(name)
          .get();
      return l.getStatus() != null && l.getStatus().phase() == phase;
    });
    return client.resources(BackupStorageLocation.class).inNamespace(LOCATIONS).withName(name).get();
  }

  private static Backup backupTo(String ns, String name, String label, String location) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace(ns);
    backup.setSpec(new BackupSpec(label, null, location));
    return client.resource(backup).create();
  }

  private static List<String> keys(String bucket) {
    return s3.client().listObjectsV2(l -> l.bucket(bucket)).contents().stream().map(o -> o.key()).toList();
  }

  private static List<ZNode> tree(String root) throws Exception {
    List<ZNode> out = new ArrayList<>();
    new StateSnapshotter(zk).snapshot(root, out::add);
    return out;
  }

  /** A subtree of Marathon's state with data and ACLs of its own (world-writable, but not ADMIN: not the default). */
  private static String plantSubtree() throws Exception {
    String root = world.zookeeper().statePath() + "/" + SharedWorld.namespace("s3-tree");
    List<ACL> limited = List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.WRITE | ZooDefs.Perms.CREATE
        | ZooDefs.Perms.DELETE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    zk.create().withMode(CreateMode.PERSISTENT).withACL(limited).forPath(root, new byte[] {0, 1, 2, (byte) 255});
    for (int i = 0; i < 20; i++) {
      byte[] data = ("app-" + i + "-ü").getBytes(StandardCharsets.UTF_8);
      zk.create().withACL(i % 2 == 0 ? limited : ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(root + "/app-" + i, data);
    }
    zk.create().withACL(limited).forPath(root + "/empty", new byte[0]);
    return root;
  }

  @Test
  void aBackupGoesToS3AndRestoresByteForByteWithAcls() throws Exception {
    String bucket = s3.createBucket("op-roundtrip");
    String location = location(client, bucket, s3.endpoint(), EmbeddedS3.SECRET_KEY,
        BackupStorageLocationSpec.AccessMode.ReadWrite);
    BackupStorageLocation available = awaitLocation(client, location, LocationPhase.Available);
    assertThat(available.getStatus().where()).isEqualTo("s3://" + bucket + "/marathon/");
    assertThat(available.getStatus().lastChecked()).isNotBlank();

    String root = plantSubtree();
    List<ZNode> before = tree(root);
    String ns = ApiObjects.createNamespace(client, "s3-rt");
    backupTo(ns, "to-s3", "s3-roundtrip", location);
    Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "to-s3", Phase.STATUS_READY);
    String id = ready.getStatus().id();
    assertThat(ready.getStatus().storageLocation()).isEqualTo(location);
    assertThat(ready.getStatus().objectKey()).isEqualTo("marathon/" + id + ".tar");
    assertThat(ready.getStatus().location()).isEqualTo("s3://" + bucket + "/marathon/" + id + ".tar");
    assertThat(keys(bucket)).containsExactly("marathon/" + id + ".tar");
    assertThat(world.backupDirectory().resolve(id + ".tar")).as("no copy left on the operator's volume")
        .doesNotExist();

    // Damage the subtree: one node changed, one deleted, one added.
    zk.setData().forPath(root + "/app-3", "changed".getBytes(StandardCharsets.UTF_8));
    zk.delete().forPath(root + "/app-4");
    zk.create().forPath(root + "/added", new byte[] {9});
    assertThat(tree(root)).isNotEqualTo(before);

    client.resource(ApiObjects.restore(ns, "from-s3", new RestoreSpec(id, null))).create();
    Restore restored = ApiObjects.awaitPhase(client, Restore.class, ns, "from-s3", Phase.STATUS_READY);
    assertThat(restored.getStatus().znodes()).isEqualTo(ready.getStatus().znodes());
    assertThat(tree(root)).as("byte for byte, ACLs included").isEqualTo(before);
    assertThat(world.backupDirectory().resolve(id + ".tar")).as("the downloaded copy is removed").doesNotExist();

    client.resources(Backup.class).inNamespace(ns).withName("to-s3").delete();
    await().atMost(BOUND).until(() -> client.resources(Backup.class).inNamespace(ns).withName("to-s3").get() == null);
    assertThat(keys(bucket)).as("kubectl delete backup deletes the object").isEmpty();
  }

  @Test
  void theStoreGoingDownMidUploadFailsTheBackupLeavingNothingAndTheNextBackupSucceeds() throws Exception {
    String bucket = s3.createBucket("op-outage");
    try (OutageProxy proxy = new OutageProxy(new InetSocketAddress("127.0.0.1", s3.endpoint().getPort()))) {
      String location = location(client, bucket, URI.create("http://127.0.0.1:" + proxy.port()),
          EmbeddedS3.SECRET_KEY, BackupStorageLocationSpec.AccessMode.ReadWrite);
      awaitLocation(client, location, LocationPhase.Available);
      String ns = ApiObjects.createNamespace(client, "s3-down");
      proxy.downOn("partNumber=1");
      Thread healer = new Thread(() -> {
        try {
          while (!proxy.tripped()) {
            Thread.sleep(20);
          }
          Thread.sleep(3_000);
          proxy.heal();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      healer.setDaemon(true);
      healer.start();
      backupTo(ns, "cut", "s3-cut", location);
      Backup failed = ApiObjects.awaitPhase(client, Backup.class, ns, "cut", Phase.STATUS_ERROR);
      healer.join(30_000);
      assertThat(proxy.tripped()).isTrue();
      assertThat(failed.getStatus().message()).contains("upload of " + failed.getStatus().id(), "failed");
      assertThat(keys(bucket)).as("no visible object").isEmpty();
      assertThat(s3.client().listMultipartUploads(l -> l.bucket(bucket)).uploads()).as("parts aborted").isEmpty();
      assertThat(world.backupDirectory().resolve(failed.getStatus().id() + ".tar")).doesNotExist();

      backupTo(ns, "again", "s3-again", location);
      Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "again", Phase.STATUS_READY);
      assertThat(keys(bucket)).containsExactly("marathon/" + ready.getStatus().id() + ".tar");
    }
  }

  @Test
  void aTamperedObjectIsRefusedBeforeZooKeeperIsTouched() throws Exception {
    String bucket = s3.createBucket("op-tamper");
    String location = location(client, bucket, s3.endpoint(), EmbeddedS3.SECRET_KEY,
        BackupStorageLocationSpec.AccessMode.ReadWrite);
    awaitLocation(client, location, LocationPhase.Available);
    String root = plantSubtree();
    String ns = ApiObjects.createNamespace(client, "s3-tamper");
    backupTo(ns, "good", "s3-tamper", location);
    Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "good", Phase.STATUS_READY);
    String key = ready.getStatus().objectKey();

    var object = s3.client().getObjectAsBytes(g -> g.bucket(bucket).key(key));
    byte[] bytes = object.asByteArray();
    bytes[bytes.length - 2048] ^= 0x10;
    s3.client().putObject(p -> p.bucket(bucket).key(key).metadata(object.response().metadata()),
        RequestBody.fromBytes(bytes));
    zk.setData().forPath(root + "/app-1", "after the backup".getBytes(StandardCharsets.UTF_8));
    List<ZNode> live = tree(root);

    client.resource(ApiObjects.restore(ns, "of-tampered", new RestoreSpec(ready.getStatus().id(), null))).create();
    Restore refused = ApiObjects.awaitPhase(client, Restore.class, ns, "of-tampered", Phase.STATUS_ERROR);
    assertThat(refused.getStatus().message()).contains("is refused", "SHA-256", "nothing was written to ZooKeeper");
    assertThat(tree(root)).as("ZooKeeper untouched").isEqualTo(live);
    assertThat(world.service().archive(refused.getStatus().safetySnapshotId())).as("not even a safety snapshot")
        .isEmpty();
    assertThat(world.backupDirectory().resolve(ready.getStatus().id() + ".tar")).doesNotExist();
    try (var files = Files.list(world.backupDirectory())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.contains(ready.getStatus().id()));
    }
  }

  @Test
  void anEncryptedLocationRestoresWithItsKeyAndRefusesAWrongOneBeforeZooKeeperIsTouched() throws Exception {
    String bucket = s3.createBucket("op-encrypted");
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    String keys = SharedWorld.namespace("s3-keys");
    client.resource(new SecretBuilder().withNewMetadata().withName(keys).withNamespace(LOCATIONS).endMetadata()
        .withData(Map.of("2026-12", Base64.getEncoder().encodeToString(key))).build()).create();
    String name = SharedWorld.namespace("s3-enc");
    BackupStorageLocation location = new BackupStorageLocation();
    location.getMetadata().setName(name);
    location.getMetadata().setNamespace(LOCATIONS);
    location.setSpec(new BackupStorageLocationSpec(BackupStorageLocationSpec.Provider.s3, false, null, null,
        new BackupStorageLocationSpec.S3(bucket, "enc", "us-east-1", s3.endpoint().toString(), true,
            new BackupStorageLocationSpec.CredentialsSecret(secret(client, EmbeddedS3.SECRET_KEY), null, null), null,
            null, null, new BackupStorageLocationSpec.Encryption(keys, "2026-12"))));
    client.resource(location).create();
    created.add(name);
    awaitLocation(client, name, LocationPhase.Available);

    String root = plantSubtree();
    List<ZNode> planted = tree(root);
    String ns = ApiObjects.createNamespace(client, "s3-enc");
    backupTo(ns, "sealed", "s3-sealed", name);
    Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "sealed", Phase.STATUS_READY);
    byte[] stored = s3.client().getObjectAsBytes(g -> g.bucket(bucket).key(ready.getStatus().objectKey()))
        .asByteArray();
    assertThat(new String(stored, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("MBKENC01");
    assertThat(ready.getStatus().encryptionKeyId()).as("the key's id, read back from the stored object")
        .isEqualTo("2026-12");

    zk.setData().forPath(root + "/app-2", "changed".getBytes(StandardCharsets.UTF_8));
    client.resource(ApiObjects.restore(ns, "unsealed", new RestoreSpec(ready.getStatus().id(), null))).create();
    ApiObjects.awaitPhase(client, Restore.class, ns, "unsealed", Phase.STATUS_READY);
    assertThat(tree(root)).isEqualTo(planted);

    // The key under that id replaced by another: the archive no longer decrypts, and nothing is written.
    byte[] wrong = key.clone();
    wrong[0] ^= 1;
    client.secrets().inNamespace(LOCATIONS).withName(keys).edit(secret -> {
      secret.setData(Map.of("2026-12", Base64.getEncoder().encodeToString(wrong)));
      return secret;
    });
    zk.setData().forPath(root + "/app-2", "changed again".getBytes(StandardCharsets.UTF_8));
    List<ZNode> live = tree(root);
    client.resource(ApiObjects.restore(ns, "wrong-key", new RestoreSpec(ready.getStatus().id(), null))).create();
    Restore refused = ApiObjects.awaitPhase(client, Restore.class, ns, "wrong-key", Phase.STATUS_ERROR);
    assertThat(refused.getStatus().message()).contains("cannot be decrypted", "nothing was written to ZooKeeper");
    assertThat(refused.getStatus().message()).doesNotContain(Base64.getEncoder().encodeToString(wrong));
    assertThat(tree(root)).isEqualTo(live);
  }

  @Test
  void wrongCredentialsOrAnUnknownBucketMakeTheLocationUnavailableAndItsBackupsFailSayingWhy() throws Exception {
    String bucket = s3.createBucket("op-creds");
    String wrongKey = location(client, bucket, s3.endpoint(), "not-the-secret",
        BackupStorageLocationSpec.AccessMode.ReadWrite);
    String noBucket = location(client, "no-such-bucket-" + System.nanoTime(), s3.endpoint(), EmbeddedS3.SECRET_KEY,
        BackupStorageLocationSpec.AccessMode.ReadWrite);
    String wrongKeyReason = awaitLocation(client, wrongKey, LocationPhase.Unavailable).getStatus().message();
    String noBucketReason = awaitLocation(client, noBucket, LocationPhase.Unavailable).getStatus().message();
    assertThat(wrongKeyReason).contains("access denied");
    assertThat(noBucketReason).contains("no such bucket");
    assertThat(wrongKeyReason + noBucketReason).doesNotContain("not-the-secret", EmbeddedS3.SECRET_KEY);

    String ns = ApiObjects.createNamespace(client, "s3-unavail");
    backupTo(ns, "denied", "s3-denied", wrongKey);
    backupTo(ns, "nowhere", "s3-nowhere", noBucket);
    backupTo(ns, "unknown", "s3-unknown", "no-such-location");
    assertThat(ApiObjects.awaitPhase(client, Backup.class, ns, "denied", Phase.STATUS_ERROR).getStatus().message())
        .contains(wrongKeyReason);
    assertThat(ApiObjects.awaitPhase(client, Backup.class, ns, "nowhere", Phase.STATUS_ERROR).getStatus().message())
        .contains(noBucketReason);
    assertThat(ApiObjects.awaitPhase(client, Backup.class, ns, "unknown", Phase.STATUS_ERROR).getStatus().message())
        .contains("BackupStorageLocation no-such-location not found");
    assertThat(keys(bucket)).isEmpty();
  }

  @Test
  void aReadOnlyLocationRecoversItsBackupsIntoAnEmptyClusterWhichRestoresThemButNeverDeletesThem() throws Exception {
    String bucket = s3.createBucket("op-readonly");
    String writer = location(client, bucket, s3.endpoint(), EmbeddedS3.SECRET_KEY,
        BackupStorageLocationSpec.AccessMode.ReadWrite);
    awaitLocation(client, writer, LocationPhase.Available);
    String ns = ApiObjects.createNamespace(client, "s3-source");
    backupTo(ns, "source", "s3-source", writer);
    String id = ApiObjects.awaitPhase(client, Backup.class, ns, "source", Phase.STATUS_READY).getStatus().id();

    try (EmbeddedWorld rebuilt = SharedWorld.builder(1, "s3-rebuilt").withOperator(false).start()) {
      KubernetesClient other = rebuilt.client();
      String readOnly = location(other, bucket, s3.endpoint(), EmbeddedS3.SECRET_KEY,
          BackupStorageLocationSpec.AccessMode.ReadOnly);
      rebuilt.startOperator();
      awaitLocation(other, readOnly, LocationPhase.Available);
      await().atMost(BOUND).until(() -> other.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .anyMatch(b -> b.getStatus() != null && id.equals(b.getStatus().id())));
      Backup recovered = other.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .filter(b -> b.getStatus() != null && id.equals(b.getStatus().id())).findFirst().orElseThrow();
      assertThat(recovered.getMetadata().getNamespace()).isEqualTo(LOCATIONS);
      assertThat(recovered.getMetadata().getAnnotations()).containsEntry(ArchiveRecovery.ANNOTATION, id);
      assertThat(recovered.getSpec().storageLocation()).isEqualTo(readOnly);
      assertThat(recovered.getStatus().phase()).isEqualTo(Phase.STATUS_READY);
      assertThat(recovered.getStatus().storageLocation()).isEqualTo(readOnly);
      assertThat(recovered.getStatus().recoveredFromStore()).isTrue();

      other.resource(ApiObjects.restore(LOCATIONS, "into-rebuilt", new RestoreSpec(id, null))).create();
      ApiObjects.awaitPhase(other, Restore.class, LOCATIONS, "into-rebuilt", Phase.STATUS_READY);

      String name = recovered.getMetadata().getName();
      other.resources(Backup.class).inNamespace(LOCATIONS).withName(name).delete();
      await().atMost(BOUND).until(() -> other.v1().events().inNamespace(LOCATIONS).list().getItems().stream()
          .anyMatch(e -> "DeleteRefused".equals(e.getReason()) && name.equals(e.getInvolvedObject().getName())));
      var event = other.v1().events().inNamespace(LOCATIONS).list().getItems().stream()
          .filter(e -> "DeleteRefused".equals(e.getReason())).findFirst().orElseThrow();
      assertThat(event.getMessage()).contains("ReadOnly", readOnly, "finalizer");
      Backup kept = other.resources(Backup.class).inNamespace(LOCATIONS).withName(name).get();
      assertThat(kept).as("the finalizer holds the object").isNotNull();
      assertThat(kept.getMetadata().getDeletionTimestamp()).isNotNull();
      assertThat(keys(bucket)).containsExactly("marathon/" + id + ".tar");
      rebuilt.stopOperator();
    }
  }
}
