package io.dcos.backup.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator checks a schedule's spec itself, whatever the API server let through (an old CRD, an API server
 * without the schema): what it refuses becomes Ready=False with reason InvalidSpec and this message.
 */
class BackupScheduleValidationTest {

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 9})
  void aStartingDeadlineBelowTenSecondsIsRefused(long seconds) {
    assertThatThrownBy(() -> ScheduleSpecs.validate(schedule("nightly", seconds)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startingDeadlineSeconds is " + seconds + "; it must be at least 10 (or unset): a run always "
            + "starts a little after its fire time, so a smaller deadline would skip runs that are on time");
  }

  @ParameterizedTest
  @ValueSource(longs = {10, 30, 86_400})
  void aStartingDeadlineOfTenSecondsOrMoreIsAccepted(long seconds) {
    assertThat(ScheduleSpecs.validate(schedule("nightly", seconds))).isNotNull();
  }

  @Test
  void noStartingDeadlineIsAccepted() {
    assertThat(ScheduleSpecs.validate(schedule("nightly", null))).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "-ab", ".ab", "a.b", "a-b", "..ab"})
  void aLabelPrefixThatCannotYieldAValidLabelIsRefused(String prefix) {
    assertThatThrownBy(() -> ScheduleSpecs.validate(schedule(prefix, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("label prefix \"" + prefix + "\" ")
        .hasMessageContaining("<prefix>-<yyyyMMdd>-<HHmm> must start with two letters, digits or '_'");
  }

  private static BackupSchedule schedule(String prefix, Long startingDeadlineSeconds) {
    BackupSchedule schedule = new BackupSchedule();
    schedule.getMetadata().setName("nightly");
    schedule.getMetadata().setNamespace("validation");
    schedule.setSpec(new BackupScheduleSpec("0 3 * * *", prefix, null, null, startingDeadlineSeconds, null));
    return schedule;
  }
}
