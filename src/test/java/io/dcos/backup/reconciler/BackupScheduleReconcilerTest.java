package io.dcos.backup.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.BackupScheduleSpec.ConcurrencyPolicy;
import io.dcos.backup.api.BackupScheduleSpec.Retention;
import io.dcos.backup.api.BackupScheduleStatus;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.operator.OperatorRuntime;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.testing.Closer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BackupSchedule against the embedded world (real ZooKeeper, Marathon simulator, mock API server) with its own
 * operator whose clock the test moves: a fire time is reached by setting the clock, not by waiting. The queue can be
 * blocked by a gate operation, so "a backup is still running" is a state the test holds, not a race.
 */
class BackupScheduleReconcilerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static EmbeddedWorld world;
  private static KubernetesClient client;
  private static MutableClock clock;
  private static OperationQueue queue;
  private static OperatorRuntime operator;
  private String ns;
  @RegisterExtension
  static final Closer CLOSER = new Closer();

  @BeforeAll
  static void startWorld() throws Exception {
    // A world of its own: the shared one's operator uses the system clock and would act on these objects too.
    world = CLOSER.add(SharedWorld.builder(1, "schedule-backups").withOperator(false).start());
    client = world.client();
    clock = new MutableClock(Instant.now());
    startOperator();
    CLOSER.add(() -> stopOperator()); // the one running at the end: tests restart it
  }

  private static void startOperator() throws Exception {
    // Schedules look at the clock every 100 ms: after the test moves it, the next pass sees the new time.
    operator = OperatorRuntime.start(client, world.service(),
        OperatorRuntime.Options.embedded().withClock(clock, Duration.ofMillis(100)));
    queue = operator.queue();
  }

  private static void stopOperator() {
    operator.close();
  }

  @BeforeEach
  void freshNamespaceAndClock() {
    ns = ApiObjects.createNamespace(client, "sched");
    // Half a minute into the current real minute: objects the API server stamps now are not after the next tick.
    clock.set(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(30));
  }

  @AfterEach
  void removeSchedules() {
    // Schedules of earlier tests must not react to the clock moving in later ones.
    client.resources(BackupSchedule.class).inNamespace(ns).delete();
    await().atMost(TIMEOUT).until(() -> client.resources(BackupSchedule.class).inNamespace(ns).list().getItems()
        .isEmpty());
  }

  @Test
  void eachFireTimeCreatesOneOwnedLabelledBackupAndStatusFollows() {
    BackupSchedule schedule = schedule("nightly", "* * * * *", "tick", null, null);
    schedule.getMetadata().setLabels(Map.of("argocd.argoproj.io/instance", "marathon", "team", "platform"));
    create(schedule);
    assertThat(owned("nightly")).isEmpty();

    Instant first = tick("nightly");
    Backup b1 = awaitBackup(backupName("nightly", first), Phase.STATUS_READY);
    assertThat(b1.getSpec().label()).isEqualTo("tick-" + stamp(first));
    assertThat(b1.getMetadata().getLabels()).as("never the schedule's own (GitOps tracking) labels")
        .containsExactly(Map.entry(BackupSchedule.SCHEDULE_LABEL, "nightly"));
    assertThat(b1.getMetadata().getAnnotations()).containsEntry(BackupSchedule.FIRE_TIME_ANNOTATION, first.toString());
    assertThat(b1.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo("BackupSchedule");
      assertThat(ref.getName()).isEqualTo("nightly");
      assertThat(ref.getUid()).isEqualTo(get("nightly").getMetadata().getUid());
      assertThat(ref.getController()).isTrue();
    });
    await().atMost(TIMEOUT).untilAsserted(() -> {
      BackupScheduleStatus status = get("nightly").getStatus();
      assertThat(status.lastScheduleTime()).isEqualTo(first.toString());
      assertThat(status.lastScheduleLagSeconds()).isEqualTo(1.0);
      assertThat(status.lastSuccessfulBackup()).isEqualTo(b1.getStatus().id());
      assertThat(status.lastSuccessfulTime()).isEqualTo(first.toString());
      assertThat(status.nextScheduleTime()).isEqualTo(first.plusSeconds(60).toString());
      assertThat(status.active()).isNull();
      assertThat(condition(status, Condition.READY).status()).isEqualTo(Condition.TRUE);
      assertThat(condition(status, BackupScheduleReconciler.BACKUP_FAILED).status()).isEqualTo(Condition.FALSE);
      assertThat(status.observedGeneration()).isEqualTo(1L);
    });

    Instant second = tick("nightly");
    assertThat(second).isEqualTo(first.plusSeconds(60));
    Backup b2 = awaitBackup(backupName("nightly", second), Phase.STATUS_READY);
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(get("nightly").getStatus().lastSuccessfulBackup()).isEqualTo(b2.getStatus().id()));
    assertThat(owned("nightly")).as("one Backup per fire time, however many passes ran")
        .containsExactlyInAnyOrder(backupName("nightly", first), backupName("nightly", second));
    assertThat(client.resources(Backup.class).inNamespace(ns)
        .withLabel(BackupSchedule.SCHEDULE_LABEL, "nightly").list().getItems()).hasSize(2);
    assertThat(events("nightly", "Created")).hasSize(2);
    String series = "{schedule=\"" + ns + "/nightly\"}";
    await().atMost(TIMEOUT).untilAsserted(() -> {
      String scrape = operator.registry().scrape();
      assertThat(metric(scrape, "marathon_backup_schedule_lag_seconds" + series)).isEqualTo(1.0);
      assertThat(metric(scrape, "marathon_backup_schedule_last_successful_timestamp_seconds" + series))
          .isEqualTo((double) second.getEpochSecond());
    });
  }

  /**
   * The last-success gauges live in memory, so a restarted operator (or a new leader) read 0 and a staleness alert
   * fired. Now every STATUS_READY Backup the reconciler sees — at startup, all of them — raises the backup gauge to
   * its completion time, and a schedule's gauge comes from its status. A deleted schedule's series go with it.
   */
  @Test
  void lastSuccessGaugesSurviveARestartAndAScheduleTakesItsSeriesAlong() throws Exception {
    create(schedule("gauged", "* * * * *", "gauged", null, null));
    Instant fired = tick("gauged");
    Backup ready = awaitBackup(backupName("gauged", fired), Phase.STATUS_READY);
    String series = "{schedule=\"" + ns + "/gauged\"}";
    await().atMost(TIMEOUT).until(() -> fired.toString().equals(get("gauged").getStatus().lastSuccessfulTime()));

    stopOperator();
    startOperator();

    // Every ready Backup in the API (other tests' too) is observed: the gauge is the newest completion among them.
    long newest = client.resources(Backup.class).inAnyNamespace().list().getItems().stream()
        .filter(b -> b.getStatus() != null && b.getStatus().phase() == Phase.STATUS_READY)
        .map(b -> b.getStatus().completionTime() != null ? b.getStatus().completionTime() : b.getStatus().timestamp())
        .filter(java.util.Objects::nonNull)
        .mapToLong(time -> Instant.parse(time).getEpochSecond())
        .max().orElseThrow();
    assertThat(newest).isGreaterThanOrEqualTo(Instant.parse(ready.getStatus().completionTime()).getEpochSecond());
    await().atMost(TIMEOUT).untilAsserted(() -> {
      String scrape = operator.registry().scrape();
      assertThat(metric(scrape, "marathon_backup_backup_last_successful_timestamp_seconds{cluster=\"default\"}"))
          .as("not 0 after a restart").isEqualTo((double) newest);
      assertThat(metric(scrape, "marathon_backup_schedule_last_successful_timestamp_seconds" + series))
          .isEqualTo((double) fired.getEpochSecond());
    });
    assertThat(metric(operator.registry().scrape(), "marathon_backup_backups_total{cluster=\"default\",outcome=\"success\"}"))
        .as("no backup ran in this process: the gauge came from what it observed").isZero();

    client.resources(BackupSchedule.class).inNamespace(ns).withName("gauged").delete();
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(operator.registry().scrape())
        .doesNotContain("schedule=\"" + ns + "/gauged\""));
    assertThat(metric(operator.registry().scrape(), "marathon_backup_backup_last_successful_timestamp_seconds{cluster=\"default\"}"))
        .isEqualTo((double) newest);
  }

  private static double metric(String scrape, String series) {
    return scrape.lines().filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in " + scrape));
  }

  @Test
  void theScheduleConsistencyModeIsPassedToItsBackups() {
    BackupSchedule schedule = schedule("online", "* * * * *", "online", null, null);
    BackupScheduleSpec spec = schedule.getSpec();
    schedule.setSpec(new BackupScheduleSpec(spec.schedule(), spec.label(), null, null, null, null,
        BackupSpec.Consistency.Online));
    create(schedule);
    Instant first = tick("online");
    Backup backup = awaitBackup(backupName("online", first), Phase.STATUS_READY);
    assertThat(backup.getSpec().consistency()).isEqualTo(BackupSpec.Consistency.Online);
    assertThat(backup.getStatus().consistency()).as("taken online, or fenced after Marathon kept writing")
        .isIn(BackupStatus.Consistency.Online, BackupStatus.Consistency.FencedFallback);
  }

  @Test
  void forbidSkipsAFireTimeWhileABackupRunsAndAllowQueuesIt() throws Exception {
    create(schedule("busy", "* * * * *", "busy", null, null));
    CountDownLatch gate = blockQueue();
    try {
      Instant first = tick("busy");
      awaitBackup(backupName("busy", first), Phase.STATUS_BACKING_UP);
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(get("busy").getStatus().active())
          .singleElement().satisfies(a -> assertThat(a.name()).isEqualTo(backupName("busy", first))));

      Instant second = tick("busy");
      await().atMost(TIMEOUT).untilAsserted(() ->
          assertThat(get("busy").getStatus().lastSkippedTime()).isEqualTo(second.toString()));
      assertThat(owned("busy")).containsExactly(backupName("busy", first));
      assertThat(get("busy").getStatus().lastScheduleTime()).isEqualTo(first.toString());
      assertThat(events("busy", "Skipped")).singleElement().satisfies(e ->
          assertThat(e.getMessage()).contains(backupName("busy", first), "still running", "Forbid"));

      editSpec("busy", spec -> withPolicy(spec, ConcurrencyPolicy.Allow));
      Instant third = tick("busy");
      awaitBackup(backupName("busy", third), Phase.STATUS_BACKING_UP);
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(get("busy").getStatus().active())
          .extracting(BackupScheduleStatus.ActiveBackup::name)
          .containsExactly(backupName("busy", first), backupName("busy", third)));
    } finally {
      gate.countDown();
    }
    awaitBackup(backupName("busy", tickedAt("busy")), Phase.STATUS_READY);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(get("busy").getStatus().active()).isNull());
  }

  @Test
  void aSuspendedScheduleCreatesNothingAndDoesNotCatchUpWhenResumed() {
    BackupSchedule schedule = schedule("paused", "* * * * *", "paused", null, null);
    schedule.setSpec(withSuspend(schedule.getSpec(), true));
    create(schedule);
    await().atMost(TIMEOUT).untilAsserted(() -> {
      BackupScheduleStatus status = get("paused").getStatus();
      assertThat(status).isNotNull();
      assertThat(status.nextScheduleTime()).isNull();
      assertThat(condition(status, BackupScheduleReconciler.SUSPENDED).status()).isEqualTo(Condition.TRUE);
    });
    Instant missed = clock.instant().truncatedTo(ChronoUnit.MINUTES).plusSeconds(180);
    clock.set(missed.plusSeconds(5));
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(get("paused").getStatus().lastSkippedTime()).isEqualTo(missed.toString()));
    assertThat(owned("paused")).isEmpty();

    editSpec("paused", spec -> withSuspend(spec, false));
    await().atMost(TIMEOUT).untilAsserted(() -> {
      BackupScheduleStatus status = get("paused").getStatus();
      assertThat(status.nextScheduleTime()).isEqualTo(missed.plusSeconds(60).toString());
      assertThat(condition(status, BackupScheduleReconciler.SUSPENDED).status()).isEqualTo(Condition.FALSE);
    });
    assertThat(owned("paused")).as("fire times while suspended are not caught up").isEmpty();
    Instant resumed = tick("paused");
    awaitBackup(backupName("paused", resumed), Phase.STATUS_READY);
    assertThat(owned("paused")).hasSize(1);
  }

  @Test
  void keepLastDeletesOldBackupsButNotOneARestoreUsesNorForeignOnes() throws Exception {
    Backup foreign = new Backup();
    foreign.getMetadata().setName("hand-made");
    foreign.getMetadata().setNamespace(ns);
    // Carries the schedule's label, yet the schedule does not own it.
    foreign.getMetadata().setLabels(Map.of(BackupSchedule.SCHEDULE_LABEL, "keep"));
    foreign.setSpec(new BackupSpec("hand-made"));
    client.resource(foreign).create();
    awaitBackup("hand-made", Phase.STATUS_READY);

    create(schedule("keep", "* * * * *", "keep", null, new Retention(1, null)));
    String b1 = backupName("keep", tick("keep"));
    awaitBackup(b1, Phase.STATUS_READY);

    CountDownLatch first = blockQueue();
    CountDownLatch second;
    String b2;
    try {
      b2 = backupName("keep", tick("keep"));
      awaitBackup(b2, Phase.STATUS_BACKING_UP);
      second = blockQueue();
      Restore restore = new Restore();
      restore.getMetadata().setName("undo");
      restore.getMetadata().setNamespace(ns);
      restore.setSpec(new RestoreSpec(null, b1));
      client.resource(restore).create();
      await().atMost(TIMEOUT).until(() -> client.resources(Restore.class).inNamespace(ns).withName("undo").get()
          .getStatus() != null);
    } finally {
      first.countDown();
    }
    try {
      // b2 is ready; the restore of b1 waits behind the second gate: b1 is beyond keepLast 1 but in use.
      Backup ready = awaitBackup(b2, Phase.STATUS_READY);
      await().atMost(TIMEOUT).untilAsserted(() ->
          assertThat(get("keep").getStatus().lastSuccessfulBackup()).isEqualTo(ready.getStatus().id()));
      clock.advance(Duration.ofSeconds(1)); // at least one more pass with b2 ready
      Thread.sleep(500);
      Backup kept = client.resources(Backup.class).inNamespace(ns).withName(b1).get();
      assertThat(kept).isNotNull();
      assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();
      assertThat(client.resources(Restore.class).inNamespace(ns).withName("undo").get().getStatus().phase())
          .isEqualTo(Phase.STATUS_RESTORING);
    } finally {
      second.countDown();
    }
    await().atMost(TIMEOUT).until(() -> client.resources(Restore.class).inNamespace(ns).withName("undo").get()
        .getStatus().phase() == Phase.STATUS_READY);
    await().atMost(TIMEOUT).until(() -> client.resources(Backup.class).inNamespace(ns).withName(b1).get() == null);
    assertThat(events("keep", "Pruned")).singleElement().satisfies(e ->
        assertThat(e.getMessage()).contains(b1, "beyond keepLast 1"));
    assertThat(client.resources(Backup.class).inNamespace(ns).list().getItems())
        .extracting(b -> b.getMetadata().getName())
        .containsExactlyInAnyOrder("hand-made", b2);
  }

  @Test
  void maxAgeDeletesOldBackupsButNeverTheNewestReadyOne() {
    create(schedule("aging", "*/10 * * * *", "aging", null, new Retention(null, "15m")));
    String b1 = backupName("aging", tick("aging"));
    awaitBackup(b1, Phase.STATUS_READY);
    String b2 = backupName("aging", tick("aging"));
    awaitBackup(b2, Phase.STATUS_READY);
    assertThat(owned("aging")).containsExactlyInAnyOrder(b1, b2);

    String b3 = backupName("aging", tick("aging")); // b1 is now 20 minutes old
    awaitBackup(b3, Phase.STATUS_READY);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(owned("aging")).containsExactlyInAnyOrder(b2, b3));
    assertThat(events("aging", "Pruned")).singleElement().satisfies(e ->
        assertThat(e.getMessage()).contains(b1, "older than maxAge 15m (age 20m"));

    editSpec("aging", spec -> withSuspend(spec, true));
    clock.advance(Duration.ofHours(3)); // everything is older than maxAge now
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(owned("aging")).containsExactly(b3));
    clock.advance(Duration.ofDays(30));
    clock.advance(Duration.ofSeconds(1));
    await().during(Duration.ofMillis(600)).atMost(TIMEOUT).untilAsserted(() ->
        assertThat(owned("aging")).as("the newest ready backup is kept however old").containsExactly(b3));
  }

  @Test
  void afterDowntimeAtMostOneMissedRunIsCaughtUpWithinTheStartingDeadline() throws Exception {
    create(schedule("nodeadline", "* * * * *", "nd", null, null));
    create(schedule("late", "* * * * *", "late", 30L, null));
    create(schedule("intime", "* * * * *", "intime", 60L, null));
    for (String name : List.of("nodeadline", "late", "intime")) {
      await().atMost(TIMEOUT).until(() -> get(name).getStatus() != null);
    }
    stopOperator();
    Instant latest;
    try {
      latest = clock.instant().truncatedTo(ChronoUnit.MINUTES).plusSeconds(4 * 60);
      clock.set(latest.plusSeconds(45)); // four fire times passed while down, the latest 45 s ago
    } finally {
      startOperator();
    }
    awaitBackup(backupName("nodeadline", latest), Phase.STATUS_READY);
    awaitBackup(backupName("intime", latest), Phase.STATUS_READY);
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(get("late").getStatus().lastSkippedTime()).isEqualTo(latest.toString()));
    assertThat(owned("nodeadline")).as("one catch-up run, not four").containsExactly(backupName("nodeadline", latest));
    assertThat(owned("intime")).containsExactly(backupName("intime", latest));
    assertThat(owned("late")).isEmpty();
    assertThat(events("late", "MissedSchedule")).singleElement().satisfies(e -> assertThat(e.getMessage())
        .contains(latest.toString(), "45s late", "startingDeadlineSeconds 30", "3 earlier fire times"));
    assertThat(events("nodeadline", "Created")).singleElement().satisfies(e -> assertThat(e.getMessage())
        .contains("3 earlier fire times were missed"));
    assertThat(get("nodeadline").getStatus().lastScheduleLagSeconds()).isEqualTo(45.0);
  }

  @Test
  void aFailedScheduledBackupIsAWarningEventAndACondition() throws Exception {
    create(schedule("fragile", "* * * * *", "fragile", null, null));
    CountDownLatch gate = blockQueue();
    String name;
    try {
      name = backupName("fragile", tick("fragile"));
      awaitBackup(name, Phase.STATUS_BACKING_UP);
      // The backup fails as far as the schedule can tell: its status says so (the engine's failures are tested
      // elsewhere). Terminal Backups are never run again, so the gate's release does not revive it.
      client.resources(Backup.class).inNamespace(ns).withName(name).editStatus(b -> {
        BackupStatus s = b.getStatus();
        b.setStatus(new BackupStatus(s.id(), Phase.STATUS_ERROR, null, null, null, null, "ZooKeeper unreachable",
            null, null, null, null, null, null, null, null, s.conditions(), s.observedGeneration()));
        return b;
      });
    } finally {
      gate.countDown();
    }
    await().atMost(TIMEOUT).untilAsserted(() -> {
      BackupScheduleStatus status = get("fragile").getStatus();
      assertThat(status.lastFailedBackup()).isEqualTo(name);
      assertThat(status.lastSuccessfulBackup()).isNull();
      Condition failed = condition(status, BackupScheduleReconciler.BACKUP_FAILED);
      assertThat(failed.status()).isEqualTo(Condition.TRUE);
      assertThat(failed.message()).contains(name, "ZooKeeper unreachable");
    });
    assertThat(events("fragile", "BackupFailed")).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).contains(name, "ZooKeeper unreachable");
    });
    clock.advance(Duration.ofSeconds(1));
    await().during(Duration.ofMillis(500)).atMost(TIMEOUT).untilAsserted(() ->
        assertThat(events("fragile", "BackupFailed")).as("one Event per failure, not one per pass").hasSize(1));
  }

  @Test
  void anInvalidScheduleSaysWhyAndCreatesNothing() {
    create(schedule("broken", "61 * * * *", "broken", null, null));
    await().atMost(TIMEOUT).untilAsserted(() -> {
      BackupScheduleStatus status = get("broken").getStatus();
      Condition ready = condition(status, Condition.READY);
      assertThat(ready.status()).isEqualTo(Condition.FALSE);
      assertThat(ready.reason()).isEqualTo("InvalidSpec");
      assertThat(ready.message()).contains("61 * * * *");
      assertThat(status.nextScheduleTime()).isNull();
    });
    assertThat(events("broken", "InvalidSpec")).hasSize(1);
    clock.advance(Duration.ofMinutes(2));
    assertThat(owned("broken")).isEmpty();
  }

  // --- helpers ---

  /** Moves the clock just past the schedule's announced next fire time and returns that fire time. */
  private Instant tick(String name) {
    String previous = tickedAt(name) == null ? null : tickedAt(name).toString();
    await().atMost(TIMEOUT).until(() -> {
      BackupScheduleStatus status = get(name).getStatus();
      return status != null && status.nextScheduleTime() != null && !status.nextScheduleTime().equals(previous)
          && Instant.parse(status.nextScheduleTime()).isAfter(clock.instant());
    });
    Instant next = Instant.parse(get(name).getStatus().nextScheduleTime());
    clock.set(next.plusSeconds(1));
    await().atMost(TIMEOUT).until(() -> next.toString().equals(get(name).getStatus().lastScheduleTime())
        || next.toString().equals(get(name).getStatus().lastSkippedTime()));
    return next;
  }

  private Instant tickedAt(String name) {
    BackupScheduleStatus status = get(name).getStatus();
    return status == null || status.lastScheduleTime() == null ? null : Instant.parse(status.lastScheduleTime());
  }

  /** Holds the operation queue (one operation at a time) until the latch is released. */
  private static CountDownLatch blockQueue() {
    CountDownLatch gate = new CountDownLatch(1);
    queue.submit("test/gate-" + System.nanoTime(), "test gate", progress -> {
      gate.await();
      return null;
    }, () -> { });
    return gate;
  }

  private BackupSchedule schedule(String name, String cron, String label, Long deadline, Retention retention) {
    BackupSchedule schedule = new BackupSchedule();
    schedule.getMetadata().setName(name);
    schedule.getMetadata().setNamespace(ns);
    schedule.setSpec(new BackupScheduleSpec(cron, label, null, null, deadline, retention));
    return schedule;
  }

  private static BackupScheduleSpec withPolicy(BackupScheduleSpec spec, ConcurrencyPolicy policy) {
    return new BackupScheduleSpec(spec.schedule(), spec.label(), spec.suspend(), policy,
        spec.startingDeadlineSeconds(), spec.retention());
  }

  private static BackupScheduleSpec withSuspend(BackupScheduleSpec spec, boolean suspend) {
    return new BackupScheduleSpec(spec.schedule(), spec.label(), suspend, spec.concurrencyPolicy(),
        spec.startingDeadlineSeconds(), spec.retention());
  }

  /**
   * Changes a schedule's spec by a merge patch without resourceVersion, as `kubectl apply` does: the operator writes
   * the schedule's status concurrently, and an edit carrying the version it read would race it (409).
   */
  private void editSpec(String name, java.util.function.UnaryOperator<BackupScheduleSpec> change) {
    BackupScheduleSpec changed = change.apply(get(name).getSpec());
    String patch = client.getKubernetesSerialization().asJson(java.util.Map.of("spec", changed));
    client.resources(BackupSchedule.class).inNamespace(ns).withName(name)
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
  }

  private void create(BackupSchedule schedule) {
    client.resource(schedule).create();
  }

  private BackupSchedule get(String name) {
    return client.resources(BackupSchedule.class).inNamespace(ns).withName(name).get();
  }

  private List<String> owned(String schedule) {
    String uid = get(schedule).getMetadata().getUid();
    return client.resources(Backup.class).inNamespace(ns).list().getItems().stream()
        .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
        .filter(b -> b.getMetadata().getOwnerReferences() != null && b.getMetadata().getOwnerReferences().stream()
            .anyMatch(ref -> uid.equals(ref.getUid())))
        .map(b -> b.getMetadata().getName())
        .sorted()
        .toList();
  }

  private Backup awaitBackup(String name, Phase phase) {
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      Backup backup = client.resources(Backup.class).inNamespace(ns).withName(name).get();
      assertThat(backup).as("Backup " + name).isNotNull();
      assertThat(backup.getStatus()).isNotNull();
      assertThat(backup.getStatus().phase()).isEqualTo(phase);
    });
    return client.resources(Backup.class).inNamespace(ns).withName(name).get();
  }

  private List<Event> events(String involved, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> involved.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .toList();
  }

  private static Condition condition(BackupScheduleStatus status, String type) {
    assertThat(status.conditions()).isNotNull();
    return status.conditions().stream().filter(c -> type.equals(c.type())).findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type + " in " + status.conditions()));
  }

  private static String backupName(String schedule, Instant fireTime) {
    return schedule + "-" + stamp(fireTime).replace("-", "");
  }

  private static String stamp(Instant fireTime) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(java.time.ZoneOffset.UTC)
        .format(fireTime);
  }
}
