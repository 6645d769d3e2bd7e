package io.dcos.backup.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input through the API, as a user or a GitOps tool sends it: a clear error, and nothing lost. */
class BadInputTest extends OnSharedWorld {
  private static final Duration TIMEOUT = ApiObjects.OPERATION_TIMEOUT;
  private static String ns;

  @BeforeAll
  static void start() throws Exception {
    ns = ApiObjects.createNamespace(client, "bad-input");
  }

  private static final String PATTERN = "spec.label in body should match '^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$'";
  private static final String LEADING = "spec.label: Invalid value: \"object\": label must start with two letters, "
      + "digits or '_' (not '.' or '-')";

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ab            | should match",
      "01234567890123456789012345 | should match",
      ".x            | should match",
      "-x            | should match",
      "a/b           | should match",
      "ünïcode       | should match",
      "..x           | label must start with two letters, digits or '_' (not '.' or '-')",
      ".abc          | label must start with two letters, digits or '_' (not '.' or '-')",
      "-abc          | label must start with two letters, digits or '_' (not '.' or '-')",
      "a.bc          | label must start with two letters, digits or '_' (not '.' or '-')",
      "a-bc          | label must start with two letters, digits or '_' (not '.' or '-')"})
  void invalidLabelsAreRejectedByTheApiServerWithTheReason(String label, String reason) {
    Backup backup = backup("invalid-" + Integer.toHexString(label.hashCode()), label);
    assertThatThrownBy(() -> client.resource(backup).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec.label").contains(reason);
        });
    assertThat(client.resources(Backup.class).inNamespace(ns).withName(backup.getMetadata().getName()).get())
        .isNull();
  }

  /**
   * A label of allowed characters and length whose first two characters are not letters, digits or '_': refused by
   * the pattern (the DC/OS rule) and, in words, by the CEL rule — both, as a real API server reports them (it runs
   * CEL rules next to a failed pattern). Before, such a label was accepted and always failed later (BackupFailed).
   */
  @ParameterizedTest
  @ValueSource(strings = {".abc", "-abc", "a.bc", "a-bc", "..x", "_-x"})
  void aLabelMustStartWithTwoLettersDigitsOrUnderscores(String label) {
    Backup backup = backup("leading-" + Integer.toHexString(label.hashCode()), label);
    assertThatThrownBy(() -> client.resource(backup).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).isEqualTo("Backup.backup.dcos.io \"" + backup.getMetadata().getName()
              + "\" is invalid: [spec.label: Invalid value: \"" + label + "\": " + PATTERN + ", " + LEADING + "]");
        });
    assertThat(client.resources(Backup.class).inNamespace(ns).withName(backup.getMetadata().getName()).get())
        .isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"_ab", "A1-.-"})
  void labelsStartingWithTwoLettersDigitsOrUnderscoresAreAccepted(String label) {
    Backup backup = backup("leading-ok-" + Integer.toHexString(label.hashCode()), label);
    client.resource(backup).create();
    awaitPhase(Backup.class, backup.getMetadata().getName(), Phase.STATUS_READY);
  }

  /**
   * A schedule's Backups are labelled {@code <label>-<yyyyMMdd>-<HHmm>}: a prefix whose first two characters are not
   * letters, digits or '_' — or a single character, which puts the '-' second — could never make a valid label.
   */
  @ParameterizedTest
  @ValueSource(strings = {"x", "-x", ".", ".ab", "-ab", "a.b", "a-b", "..ab"})
  void aSchedulePrefixThatCannotYieldAValidLabelIsRejected(String prefix) {
    BackupSchedule schedule = new BackupSchedule();
    schedule.getMetadata().setName("prefix-" + Integer.toHexString(prefix.hashCode()));
    schedule.getMetadata().setNamespace(ns);
    schedule.setSpec(new BackupScheduleSpec("0 3 * * *", prefix, null, null, null, null));
    assertThatThrownBy(() -> client.resource(schedule).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).isEqualTo("BackupSchedule.backup.dcos.io \""
              + schedule.getMetadata().getName() + "\" is invalid: [spec.label: Invalid value: \"" + prefix + "\": "
              + "spec.label in body should match '^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{0,9}$', spec.label: Invalid value: "
              + "\"object\": label must be at least 2 characters and start with two letters, digits or '_' (not '.' "
              + "or '-'): Backups are labelled <label>-<yyyyMMdd>-<HHmm>]");
        });
    assertThat(client.resources(BackupSchedule.class).inNamespace(ns).withName(schedule.getMetadata().getName())
        .get()).isNull();
  }

  /** Every run starts a little after its fire time: a deadline below 10 s (0 skipped every run) is refused. */
  @ParameterizedTest
  @ValueSource(longs = {0, 9})
  void aStartingDeadlineBelowTenSecondsIsRejected(long seconds) {
    BackupSchedule schedule = new BackupSchedule();
    schedule.getMetadata().setName("deadline-" + seconds);
    schedule.getMetadata().setNamespace(ns);
    schedule.setSpec(new BackupScheduleSpec("0 3 * * *", "nightly", true, null, seconds, null));
    assertThatThrownBy(() -> client.resource(schedule).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).isEqualTo("BackupSchedule.backup.dcos.io \"deadline-" + seconds
              + "\" is invalid: spec.startingDeadlineSeconds: Invalid value: " + seconds
              + ": spec.startingDeadlineSeconds in body should be greater than or equal to 10");
        });
    schedule.getMetadata().setName("deadline-ten");
    schedule.setSpec(new BackupScheduleSpec("0 3 * * *", "nightly", true, null, 10L, null));
    client.resource(schedule).create();
    client.resource(schedule).delete();
  }

  @Test
  void anEmptyLabelIsRejected() {
    Backup backup = backup("empty-label", "");
    assertThatThrownBy(() -> client.resource(backup).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "0123456789012345678901234"})
  void labelsAtTheLengthLimitsAreAccepted(String label) {
    Backup backup = backup("limit-" + label.length(), label);
    client.resource(backup).create();
    awaitPhase(Backup.class, backup.getMetadata().getName(), Phase.STATUS_READY);
  }

  @Test
  void specCannotBeEditedAfterCreation() {
    Backup backup = backup("immutable", "immutable");
    client.resource(backup).create();
    // A merge patch without resourceVersion, as `kubectl patch --type=merge` or a GitOps sync sends it: nothing to
    // race the operator's status writes, so only the immutability rule can refuse it.
    assertThatThrownBy(() -> client.resources(Backup.class).inNamespace(ns).withName("immutable")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"label\":\"changed\"}}"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is immutable");
        });
    assertThat(client.resources(Backup.class).inNamespace(ns).withName("immutable").get().getSpec().label())
        .isEqualTo("immutable");
  }

  @Test
  void aRestoreMustNameExactlyOneBackup() {
    Restore both = restore("both", new RestoreSpec("x-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10", "x"));
    Restore neither = restore("neither", new RestoreSpec(null, null));
    for (Restore restore : new Restore[] {both, neither}) {
      assertThatThrownBy(() -> client.resource(restore).create())
          .isInstanceOfSatisfying(KubernetesClientException.class,
              e -> assertThat(e.getMessage()).contains("exactly one of backupId or backupName must be set"));
    }
  }

  /** A backup refused because Marathon is migrating its storage; a Restore of it then fails naming why. */
  @Test
  void aRestoreOfAFailedBackupFailsAndTouchesNothing() throws Exception {
    String marker = world.zookeeper().statePath() + "/migration-in-progress";
    try (CuratorFramework zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(10), Duration.ofSeconds(10))) {
      zk.create().forPath(marker);
      try {
        client.resource(backup("during-migration", "during-migration")).create();
        Backup failed = awaitPhase(Backup.class, "during-migration", Phase.STATUS_ERROR);
        assertThat(failed.getStatus().message()).contains("migration-in-progress");
        assertThat(failed.getStatus().location()).isNull();
      } finally {
        zk.delete().forPath(marker);
      }
      int electionsBefore = world.simulator().orElseThrow().elections();
      int archivesBefore = world.service().archives().size();
      client.resource(restore("of-failed", new RestoreSpec(null, "during-migration"))).create();
      Restore restore = awaitPhase(Restore.class, "of-failed", Phase.STATUS_ERROR);
      assertThat(restore.getStatus().message()).contains("during-migration", "failed", "nothing to restore");
      assertThat(restore.getStatus().safetySnapshotId()).isNull();
      // Refused before anything ran: Marathon was not restarted and no safety snapshot was taken.
      assertThat(world.simulator().orElseThrow().elections()).isEqualTo(electionsBefore);
      assertThat(world.service().archives()).hasSize(archivesBefore);
    }
  }

  /**
   * The archive file of one backup replaced by another backup's (a copy gone wrong): the Restore is refused before
   * anything runs, and its status still names the backup it was asked to restore.
   */
  @Test
  void aRestoreOfASwappedArchiveFailsNamingItsBackup() throws Exception {
    client.resource(backup("swapped", "swapped")).create();
    client.resource(backup("swapped-in", "swapped_in")).create();
    Backup swapped = awaitPhase(Backup.class, "swapped", Phase.STATUS_READY);
    Backup other = awaitPhase(Backup.class, "swapped-in", Phase.STATUS_READY);
    Path archive = Path.of(swapped.getStatus().location());
    byte[] original = java.nio.file.Files.readAllBytes(archive);
    java.nio.file.Files.copy(Path.of(other.getStatus().location()), archive,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try {
      int electionsBefore = world.simulator().orElseThrow().elections();
      client.resource(restore("of-swapped", new RestoreSpec(null, "swapped"))).create();
      Restore restore = awaitPhase(Restore.class, "of-swapped", Phase.STATUS_ERROR);
      assertThat(restore.getStatus().message()).contains("manifest names another backup", "nothing was written");
      assertThat(restore.getStatus().backupId()).isEqualTo(swapped.getStatus().id());
      assertThat(restore.getStatus().safetySnapshotId()).isNull();
      assertThat(restore.getStatus().conditions()).anySatisfy(c -> {
        assertThat(c.type()).isEqualTo("Failed");
        assertThat(c.reason()).isEqualTo("ArchiveUnreadable");
      });
      assertThat(world.simulator().orElseThrow().elections()).isEqualTo(electionsBefore);
    } finally {
      java.nio.file.Files.write(archive, original);
    }
  }

  @Test
  void deletingABackupWhileARestoreOfItRunsKeepsTheArchiveUntilTheRestoreEnds() throws Exception {
    client.resource(backup("in-use", "in-use")).create();
    Backup ready = awaitPhase(Backup.class, "in-use", Phase.STATUS_READY);
    Path archive = Path.of(ready.getStatus().location());

    client.resource(restore("uses-it", new RestoreSpec(ready.getStatus().id(), null))).create();
    await().atMost(TIMEOUT).until(() -> {
      Restore r = client.resources(Restore.class).inNamespace(ns).withName("uses-it").get();
      return r.getStatus() != null && r.getStatus().safetySnapshotId() != null;
    });
    client.resources(Backup.class).inNamespace(ns).withName("in-use").delete();

    Restore finished = awaitPhase(Restore.class, "uses-it", Phase.STATUS_READY);
    assertThat(finished.getStatus().backupId()).isEqualTo(ready.getStatus().id());
    await().atMost(TIMEOUT).until(() -> client.resources(Backup.class).inNamespace(ns).withName("in-use").get() == null);
    assertThat(archive).doesNotExist();
  }

  private static Backup backup(String name, String label) {
    return ApiObjects.backup(ns, name, label);
  }

  private static Restore restore(String name, RestoreSpec spec) {
    return ApiObjects.restore(ns, name, spec);
  }

  private static <T extends HasMetadata> T awaitPhase(Class<T> type, String name, Phase expected) {
    return ApiObjects.awaitPhase(client, type, ns, name, expected);
  }
}
