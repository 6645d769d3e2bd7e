package io.dcos.backup.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.store.Manifest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The final status message keeps why the pre-copy was not used: the progress message that said it is gone by then. */
class OutcomeStatusTest {
  private static final Manifest MANIFEST = new Manifest(Manifest.CURRENT_FORMAT, "nightly-1", "nightly",
      Instant.parse("2026-12-01T00:00:00Z"), List.of("zk-1:2181"), "/marathon", "1.11.0", 42, 4096, "abc");

  @Test
  void aFencedBackupThatFellBackFromThePreCopySaysWhy() {
    BackupOutcome outcome = new BackupOutcome(MANIFEST, null, Duration.ofMillis(2500), 1,
        BackupOutcome.Consistency.FENCED, null, null, "it could not be trusted (watches lost)");

    assertThat(OutcomeStatus.message(outcome)).isEqualTo("backup nightly-1 verified: 42 znodes, 4096 bytes; Marathon "
        + "had no leader for 2.5 s; the pre-copy was not used: it could not be trusted (watches lost)");
  }

  @Test
  void aBackupFromItsPreCopySaysNothingOfIt() {
    BackupOutcome outcome = new BackupOutcome(MANIFEST, null, Duration.ofMillis(300), 1,
        BackupOutcome.Consistency.FENCED, "Marathon elected no leader in time", null, null);

    assertThat(OutcomeStatus.message(outcome)).isEqualTo("backup nightly-1 verified: 42 znodes, 4096 bytes; Marathon "
        + "had no leader for 0.3 s; but Marathon elected no leader in time");
  }

  @Test
  void aRestoreThatRewroteTheWholeStateSaysWhy() {
    RestoreOutcome outcome = new RestoreOutcome("nightly-1", 42, "safety-1", Duration.ofSeconds(3), null,
        "storage version kept", null, "the restore was resumed, and an earlier attempt may have written part of the "
            + "state");

    assertThat(OutcomeStatus.message(outcome)).isEqualTo("restored 42 znodes of nightly-1 and verified them; Marathon "
        + "had no leader for 3.0 s; the pre-copy was not used: the restore was resumed, and an earlier attempt may "
        + "have written part of the state; storage version kept");
  }

  @Test
  void aRestoreOfTheDifferenceSaysNothingOfThePreCopy() {
    RestoreOutcome outcome = new RestoreOutcome("nightly-1", 42, "safety-1", Duration.ofSeconds(1));

    assertThat(OutcomeStatus.message(outcome))
        .isEqualTo("restored 42 znodes of nightly-1 and verified them; Marathon had no leader for 1.0 s");
  }
}
