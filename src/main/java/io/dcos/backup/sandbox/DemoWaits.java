package io.dcos.backup.sandbox;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationStatus;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.S3Location;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the demo waits for and checks, each within its timeout: objects reaching a phase, a Marathon leader, the
 * apps Marathon lists, and the archive where the storage location says it is.
 */
final class DemoWaits {
  private final EmbeddedWorld world;
  private final String namespace;
  private final Duration timeout;
  private final DemoLog log;

  DemoWaits(EmbeddedWorld world, String namespace, Duration timeout, DemoLog log) {
    this.world = world;
    this.namespace = namespace;
    this.timeout = timeout;
    this.log = log;
  }

  static Phase backupPhase(Backup b) {
    return b.getStatus() == null ? null : b.getStatus().phase();
  }

  static String backupMessage(Backup b) {
    return b.getStatus() == null ? null : b.getStatus().message();
  }

  static Phase restorePhase(Restore r) {
    return r.getStatus() == null ? null : r.getStatus().phase();
  }

  static String restoreMessage(Restore r) {
    return r.getStatus() == null ? null : r.getStatus().message();
  }

  void backupReady(String name) throws Exception {
    awaitPhase(Backup.class, name, DemoWaits::backupPhase, DemoWaits::backupMessage);
  }

  void restoreReady(String name) throws Exception {
    awaitPhase(Restore.class, name, DemoWaits::restorePhase, DemoWaits::restoreMessage);
  }

  private <T extends HasMetadata> void awaitPhase(Class<T> type, String name, Function<T, Phase> phase,
      Function<T, String> message) throws Exception {
    until(Duration.ofMillis(100), () -> {
      T object = world.client().resources(type).inNamespace(namespace).withName(name).get();
      Phase current = object == null ? null : phase.apply(object);
      if (current == Phase.STATUS_ERROR) {
        throw new IllegalStateException(type.getSimpleName() + " " + name + " ended STATUS_ERROR: "
            + message.apply(object));
      }
      return current == Phase.STATUS_READY;
    }, () -> "not STATUS_READY within " + timeout.toSeconds() + " s");
  }

  void clusterReady(String name) throws Exception {
    until(Duration.ofMillis(200), () -> {
      MarathonCluster cluster = world.client().resources(MarathonCluster.class)
          .inNamespace(EmbeddedWorld.locationsNamespace()).withName(name).get();
      var status = cluster == null ? null : cluster.getStatus();
      if (status != null && Boolean.TRUE.equals(status.reachable())) {
        log.say("MarathonCluster " + name + ": Marathon " + status.marathonVersion() + ", leader " + status.leader()
            + ", " + status.electionParticipants() + " in the election, ZooKeeper " + status.zookeeperServer());
        return true;
      }
      return false;
    }, () -> "not Ready within " + timeout.toSeconds() + " s");
  }

  /**
   * The operator's first check of the location, made as soon as it sees it: an unreachable bucket or refused keys
   * end the demo here, with the store's answer, rather than at the backup.
   */
  void locationAvailable(String name) throws Exception {
    until(Duration.ofMillis(100), () -> {
      BackupStorageLocation location = world.client().resources(BackupStorageLocation.class)
          .inNamespace(EmbeddedWorld.locationsNamespace()).withName(name).get();
      BackupStorageLocationStatus status = location == null ? null : location.getStatus();
      if (status != null && status.phase() == BackupStorageLocationStatus.LocationPhase.Unavailable) {
        throw new IllegalStateException("the location is Unavailable: " + status.message());
      }
      return status != null && status.phase() == BackupStorageLocationStatus.LocationPhase.Available;
    }, () -> "not checked by the operator within " + timeout.toSeconds() + " s");
  }

  /** The sandbox's own Marathon has a leader. */
  void marathonLeader() throws Exception {
    leader(world.marathonUrl());
  }

  void leader(URI url) throws Exception {
    MarathonClient marathon = new MarathonClient(url, MarathonCredentials.none(), Duration.ofSeconds(5));
    until(Duration.ofMillis(100), () -> {
      try {
        return marathon.info().elected();
      } catch (IOException notYet) {
        return false; // a Marathon restarting or a standby without a leader: ask again
      }
    }, () -> "Marathon at " + url + " elected no leader within " + timeout.toSeconds() + " s");
  }

  void apps(DemoApps apps, List<String> present, List<String> absent) throws Exception {
    AtomicReference<List<String>> ids = new AtomicReference<>(List.of());
    until(Duration.ofMillis(200), () -> {
      try {
        ids.set(apps.ids());
      } catch (IOException notYet) {
        return false; // leader changing: the standby answers 503 until a leader is back
      }
      if (ids.get().containsAll(present) && absent.stream().noneMatch(ids.get()::contains)) {
        log.say("Marathon apps: " + ids.get());
        return true;
      }
      return false;
    }, () -> "Marathon apps are " + ids.get() + ", expected " + present + " present and " + absent + " absent");
  }

  @FunctionalInterface
  private interface Check {
    boolean done() throws Exception;
  }

  /** Asks {@code check} every {@code interval} until it is done; fails with {@code notInTime} after the timeout. */
  private void until(Duration interval, Check check, Supplier<String> notInTime) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (check.done()) {
        return;
      }
      Thread.sleep(interval.toMillis());
    }
    throw new IllegalStateException(notInTime.get());
  }

  /** Looks in the bucket itself, with the location's keys, rather than trusting the Backup's status. */
  void onlyInBucket(SandboxBucket bucket, String id) throws Exception {
    try (S3Location location = new S3Location(new S3Location.Settings(SandboxStorage.LOCATION, bucket.bucket(),
        bucket.prefix(), bucket.region(), bucket.endpoint(), bucket.pathStyle(), bucket.accessKeyId(),
        bucket.secretAccessKey(), bucket.caBundlePem(), true, null, null))) {
      Manifest manifest = location.manifest(id).orElseThrow(() -> new IllegalStateException(
          "there is no object " + location.describe(id)));
      if (Files.exists(world.service().store().location(id))) {
        throw new IllegalStateException("the archive was left in " + world.backupDirectory() + " too");
      }
      log.say("object " + location.describe(id) + ": " + manifest.znodes() + " znodes, SHA-256 " + manifest.sha256());
    }
  }
}
