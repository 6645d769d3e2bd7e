package io.dcos.backup.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator against the mock API server, a real ZooKeeper and the Marathon simulator. */
class OperatorEndToEndTest extends OnSharedWorld {
  private static final Duration OPERATION_TIMEOUT = ApiObjects.OPERATION_TIMEOUT;

  @Test
  void backupAndRestoreGoThroughTheirPhasesAndBringBackADeletedApp() throws Exception {
    String ns = namespace("e2e");
    DemoApps apps = new DemoApps(world.marathonUrl());
    awaitMarathonLeader();
    apps.create("/e2e/kept", "sleep 1");
    PhaseLog<Backup> backupPhases = new PhaseLog<>();
    PhaseLog<Restore> restorePhases = new PhaseLog<>();
    try (Watch b = client.resources(Backup.class).inNamespace(ns).watch(backupPhases);
         Watch r = client.resources(Restore.class).inNamespace(ns).watch(restorePhases)) {
      create(backup(ns, "snap", "e2e-snap"));
      Backup ready = awaitPhase(Backup.class, ns, "snap", Phase.STATUS_READY);
      var status = ready.getStatus();
      assertThat(status.id()).matches("e2e-snap-[0-9a-f-]{36}");
      assertThat(status.znodes()).isPositive();
      assertThat(status.bytes()).isPositive();
      assertThat(status.sha256()).matches("[0-9a-f]{64}");
      assertThat(status.marathonVersion()).isNotBlank();
      assertThat(status.componentStatus().marathon().status()).isEqualTo(Phase.STATUS_READY);
      assertThat(status.observedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
      assertThat(status.timestamp()).isNotBlank();
      assertThat(status.marathonLeaderlessSeconds()).isPositive();
      assertThat(status.preCopy()).as("the fenced default copies the state before the fence").isNotNull();
      assertThat(status.preCopy().onlinePassSeconds()).isNotNegative();
      assertThat(status.preCopy().rounds()).isNotNegative();
      assertThat(status.preCopy().znodesReread()).isNotNegative();
      assertThat(Path.of(status.location())).isRegularFile();
      assertThat(condition(status.conditions(), Condition.READY).status()).isEqualTo(Condition.TRUE);
      assertThat(condition(status.conditions(), Condition.FAILED).status()).isEqualTo(Condition.FALSE);

      awaitMarathonLeader();
      apps.create("/e2e/added-after-backup", "sleep 1");
      apps.delete("/e2e/kept");

      create(restoreById(ns, "undo", status.id()));
      Restore restored = awaitPhase(Restore.class, ns, "undo", Phase.STATUS_READY);
      assertThat(restored.getStatus().backupId()).isEqualTo(status.id());
      assertThat(restored.getStatus().safetySnapshotId()).startsWith("pre-restore-");
      assertThat(world.service().archive(restored.getStatus().safetySnapshotId())).isPresent();
      assertThat(restored.getStatus().znodes()).isEqualTo(status.znodes());
      // One app added, one deleted since the backup: only what differs is written, far less than the whole tree.
      assertThat(restored.getStatus().preCopy()).isNotNull();
      assertThat(restored.getStatus().znodesWritten()).isPositive().isLessThan(status.znodes());
      assertThat(restored.getStatus().znodesDeleted()).isPositive().isLessThan(status.znodes());

      awaitMarathonLeader();
      await().atMost(OPERATION_TIMEOUT).untilAsserted(() -> assertThat(apps.ids())
          .contains("/e2e/kept").doesNotContain("/e2e/added-after-backup"));
      await().atMost(OPERATION_TIMEOUT).untilAsserted(() -> {
        var restores = client.resources(Backup.class).inNamespace(ns).withName("snap").get().getStatus().restores();
        assertThat(restores).singleElement().satisfies(record -> {
          assertThat(record.id()).isEqualTo("undo");
          assertThat(record.status()).isEqualTo(Phase.STATUS_READY);
          assertThat(record.componentStatus().marathon().status()).isEqualTo(Phase.STATUS_READY);
        });
      });
    }
    assertThat(backupPhases.of("snap")).containsExactly(Phase.STATUS_BACKING_UP, Phase.STATUS_READY);
    assertThat(restorePhases.of("undo")).containsExactly(Phase.STATUS_RESTORING, Phase.STATUS_READY);
  }

  @Test
  void restoreOfAnUnknownBackupFailsNamingIt() throws Exception {
    String ns = namespace("unknown");
    create(restoreById(ns, "by-id", "nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10"));
    create(ApiObjects.restore(ns, "by-name", new RestoreSpec(null, "missing-backup")));
    Restore byId = awaitPhase(Restore.class, ns, "by-id", Phase.STATUS_ERROR);
    Restore byName = awaitPhase(Restore.class, ns, "by-name", Phase.STATUS_ERROR);
    assertThat(byId.getStatus().message()).contains("nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10", "not found");
    assertThat(byName.getStatus().message()).contains("missing-backup", "not found");
    assertThat(condition(byId.getStatus().conditions(), Condition.FAILED).status()).isEqualTo(Condition.TRUE);
    assertThat(condition(byId.getStatus().conditions(), Condition.FAILED).reason()).isEqualTo("BackupNotFound");
  }

  @Test
  void deletingABackupDeletesItsArchive() throws Exception {
    String ns = namespace("delete");
    create(backup(ns, "doomed", "doomed"));
    Backup ready = awaitPhase(Backup.class, ns, "doomed", Phase.STATUS_READY);
    Path archive = Path.of(ready.getStatus().location());
    assertThat(archive).isRegularFile();
    assertThat(ready.getMetadata().getFinalizers()).isNotEmpty();

    client.resources(Backup.class).inNamespace(ns).withName("doomed").delete();

    await().atMost(OPERATION_TIMEOUT).until(() ->
        client.resources(Backup.class).inNamespace(ns).withName("doomed").get() == null);
    assertThat(archive).doesNotExist();
    assertThat(world.service().archive(ready.getStatus().id())).isEmpty();
  }

  @Test
  void twoBackupsCreatedAtOnceRunOneAfterTheOther() throws Exception {
    String ns = namespace("serial");
    List<String> queuedMessages = Collections.synchronizedList(new ArrayList<>());
    Watcher<Backup> queuedWatcher = new Watcher<>() {
      @Override
      public void eventReceived(Action action, Backup backup) {
        var status = backup.getStatus();
        if (status != null && status.conditions() != null && status.conditions().stream()
            .anyMatch(c -> Condition.RUNNING.equals(c.type()) && "Queued".equals(c.reason()))) {
          queuedMessages.add(status.message());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
    try (Watch ignored = client.resources(Backup.class).inNamespace(ns).watch(queuedWatcher)) {
      create(backup(ns, "first", "serial-one"));
      create(backup(ns, "second", "serial-two"));
      awaitPhase(Backup.class, ns, "first", Phase.STATUS_READY);
      awaitPhase(Backup.class, ns, "second", Phase.STATUS_READY);
    }
    var first = client.resources(Backup.class).inNamespace(ns).withName("first").get().getStatus();
    var second = client.resources(Backup.class).inNamespace(ns).withName("second").get().getStatus();
    var earlier = Instant.parse(first.startTime()).isBefore(Instant.parse(second.startTime())) ? first : second;
    var later = earlier == first ? second : first;
    String earlierName = earlier == first ? "first" : "second";
    assertThat(Instant.parse(earlier.completionTime()))
        .as("the later backup (started %s) starts only after the earlier one completed", later.startTime())
        .isBeforeOrEqualTo(Instant.parse(later.startTime()));
    assertThat(queuedMessages).as("the waiting backup says what it waits for")
        .anySatisfy(message -> assertThat(message).contains("waiting for Backup " + ns + "/" + earlierName));
  }

  @Test
  void metricsAndProbesAreServed() throws Exception {
    String ns = namespace("metrics");
    create(backup(ns, "measured", "measured"));
    awaitPhase(Backup.class, ns, "measured", Phase.STATUS_READY);
    create(ApiObjects.restore(ns, "measured-restore", new RestoreSpec(null, "measured")));
    awaitPhase(Restore.class, ns, "measured-restore", Phase.STATUS_READY);
    java.net.URI management = world.operatorManagementUrl().orElseThrow();
    var http = java.net.http.HttpClient.newHttpClient();
    java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
      try {
        return http.send(java.net.http.HttpRequest.newBuilder(management.resolve(path)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    assertThat(get.apply("/healthz").statusCode()).isEqualTo(200);
    assertThat(get.apply("/readyz").statusCode()).isEqualTo(200);
    // The READY transition and its metrics are recorded by the reconcile that writes it; the scrape may race it.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String metrics = get.apply("/metrics").body();
      assertThat(metricValue(metrics, "marathon_backup_backups_total{cluster=\"default\",outcome=\"success\"}")).isGreaterThanOrEqualTo(1);
      assertThat(metricValue(metrics, "marathon_backup_backup_last_successful_timestamp_seconds{cluster=\"default\"}"))
          .isGreaterThan(Instant.now().minusSeconds(600).getEpochSecond());
      assertThat(metricValue(metrics, "marathon_backup_backup_archive_znodes{cluster=\"default\"}")).isPositive();
      assertThat(metricValue(metrics, "marathon_backup_restores_total{cluster=\"default\",outcome=\"success\"}")).isGreaterThanOrEqualTo(1);
      for (String operation : List.of("backup", "restore")) {
        String labels = "{cluster=\"default\",operation=\"" + operation + "\"}";
        assertThat(metricValue(metrics, "marathon_backup_marathon_leaderless_seconds_count" + labels))
            .as(operation).isGreaterThanOrEqualTo(1);
        assertThat(metricValue(metrics, "marathon_backup_marathon_leaderless_seconds_sum" + labels)).as(operation)
            .isPositive();
      }
      assertThat(metrics).contains("marathon_backup_backup_duration_seconds_bucket",
          "marathon_backup_restore_duration_seconds_bucket");
    });
  }

  private static double metricValue(String exposition, String series) {
    return exposition.lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + exposition));
  }

  private static Backup backup(String namespace, String name, String label) {
    return ApiObjects.backup(namespace, name, label);
  }

  private static Restore restoreById(String namespace, String name, String backupId) {
    return ApiObjects.restore(namespace, name, backupId);
  }

  private static <T extends HasMetadata> void create(T object) {
    client.resource(object).create();
  }

  private static String namespace(String prefix) {
    return ApiObjects.createNamespace(client, prefix);
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.type())).findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type + " in " + conditions));
  }

  private static <T extends HasMetadata> T awaitPhase(Class<T> type, String ns, String name, Phase expected) {
    return ApiObjects.awaitPhase(client, type, ns, name, expected);
  }

  private static void awaitMarathonLeader() {
    MarathonClient marathon = new MarathonClient(world.marathonUrl(), MarathonCredentials.none(), Duration.ofSeconds(2));
    await().atMost(OPERATION_TIMEOUT).ignoreExceptions().until(() -> marathon.info().elected());
  }

}
