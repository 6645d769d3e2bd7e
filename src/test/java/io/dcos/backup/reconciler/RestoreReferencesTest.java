package io.dcos.backup.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.api.RestoreStatus;
import org.junit.jupiter.api.Test;

/** The one rule for "this Restore restores this Backup" that the Backup, Restore and schedule reconcilers share. */
class RestoreReferencesTest {
  private static final String ID = "nightly-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10";
  private static final String OTHER_ID = "weekly-0b1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10";

  @Test
  void aRestoreByNameRefersToTheBackupOfThatName() {
    assertThat(RestoreReferences.refersTo(restore(new RestoreSpec(null, "nightly"), null), backup("nightly", ID)))
        .isTrue();
    assertThat(RestoreReferences.refersTo(restore(new RestoreSpec(null, "weekly"), null), backup("nightly", ID)))
        .isFalse();
  }

  @Test
  void aRestoreByIdRefersToTheBackupWithThatIdInItsStatus() {
    assertThat(RestoreReferences.refersTo(restore(new RestoreSpec(ID, null), null), backup("any", ID))).isTrue();
    assertThat(RestoreReferences.refersTo(restore(new RestoreSpec(ID, null), null), backup("any", OTHER_ID)))
        .isFalse();
    assertThat(RestoreReferences.refersTo(restore(new RestoreSpec(ID, null), null), backup("any", null))).isFalse();
  }

  /** status.backupId is what the Restore resolved and restores: it counts even when spec names another object. */
  @Test
  void theBackupIdARestoreResolvedCountsAsWell() {
    Restore resolved = restore(new RestoreSpec(null, "renamed"), status(ID, Phase.STATUS_RESTORING));
    assertThat(RestoreReferences.refersTo(resolved, backup("nightly", ID))).isTrue();
    assertThat(RestoreReferences.refersTo(resolved, backup("nightly", OTHER_ID))).isFalse();
  }

  @Test
  void aRestoreWithoutSpecRefersToNothing() {
    assertThat(RestoreReferences.refersTo(restore(null, status(ID, Phase.STATUS_ERROR)), backup("nightly", ID)))
        .isFalse();
  }

  @Test
  void onlyATerminalPhaseIsFinished() {
    assertThat(RestoreReferences.isFinished(restore(new RestoreSpec(ID, null), null))).isFalse();
    assertThat(RestoreReferences.isFinished(restore(new RestoreSpec(ID, null), status(ID, null)))).isFalse();
    assertThat(RestoreReferences.isFinished(restore(new RestoreSpec(ID, null), status(ID, Phase.STATUS_RESTORING))))
        .isFalse();
    assertThat(RestoreReferences.isFinished(restore(new RestoreSpec(ID, null), status(ID, Phase.STATUS_READY))))
        .isTrue();
    assertThat(RestoreReferences.isFinished(restore(new RestoreSpec(ID, null), status(ID, Phase.STATUS_ERROR))))
        .isTrue();
  }

  private static Backup backup(String name, String id) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace("ns");
    if (id != null) {
      backup.setStatus(new BackupStatus(id, Phase.STATUS_READY, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null));
    }
    return backup;
  }

  private static Restore restore(RestoreSpec spec, RestoreStatus status) {
    Restore restore = new Restore();
    restore.getMetadata().setName("restore");
    restore.getMetadata().setNamespace("ns");
    restore.setSpec(spec);
    restore.setStatus(status);
    return restore;
  }

  private static RestoreStatus status(String backupId, Phase phase) {
    return new RestoreStatus(phase, null, backupId, null, null, null, null, null, null, null, 1L);
  }
}
