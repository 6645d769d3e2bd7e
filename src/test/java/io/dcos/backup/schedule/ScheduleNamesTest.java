package io.dcos.backup.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.engine.BackupLabels;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScheduleNamesTest {
  private static final Instant FIRE = Instant.parse("2026-12-31T23:59:00Z");

  @ParameterizedTest
  @ValueSource(strings = {"a", "nightly", "x.y_z-1", "12345678901", ".a"})
  void aValidPrefixYieldsAValidDcosLabel(String prefix) {
    assertThat(ScheduleNames.validatePrefix(prefix)).isEmpty();
    String label = ScheduleNames.backupLabel(prefix, FIRE);
    assertThat(label).isEqualTo(prefix + "-20261231-2359");
    assertThat(BackupLabels.validate(label)).as(label).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "123456789012", "..a", "a/b", "a b", "ünï"})
  void aPrefixThatCannotYieldAValidLabelIsRejected(String prefix) {
    assertThat(ScheduleNames.validatePrefix(prefix)).isPresent();
  }

  @Test
  void theLongestPrefixFillsTheDcosLimitExactly() {
    String label = ScheduleNames.backupLabel("x".repeat(ScheduleNames.MAX_PREFIX_LENGTH), FIRE);
    assertThat(label).hasSize(BackupLabels.MAX_LENGTH);
    assertThat(ScheduleNames.validatePrefix("x".repeat(ScheduleNames.MAX_PREFIX_LENGTH + 1)).orElseThrow())
        .contains("at most 11");
  }

  @Test
  void backupNamesAreOnePerFireTimeAndSortByTime() {
    assertThat(ScheduleNames.backupName("nightly", FIRE)).isEqualTo("nightly-202612312359");
    assertThat(ScheduleNames.backupName("nightly", Instant.parse("2026-01-02T03:04:00Z")))
        .isLessThan(ScheduleNames.backupName("nightly", FIRE));
    assertThat(ScheduleNames.validateScheduleName("s".repeat(63))).isEmpty();
    assertThat(ScheduleNames.validateScheduleName("s".repeat(64))).isPresent();
  }
}
