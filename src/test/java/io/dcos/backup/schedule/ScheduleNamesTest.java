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
  @ValueSource(strings = {"ab", "nightly", "xy.z_-1", "12345678901", "_a", "a_", "ab.", "ab-"})
  void aValidPrefixYieldsAValidDcosLabel(String prefix) {
    assertThat(ScheduleNames.validatePrefix(prefix)).isEmpty();
    assertThat(prefix).matches(ScheduleNames.PREFIX_PATTERN);
    String label = ScheduleNames.backupLabel(prefix, FIRE);
    assertThat(label).isEqualTo(prefix + "-20261231-2359");
    assertThat(BackupLabels.validate(label)).as(label).isEmpty();
  }

  /** Every prefix the rule rejects would make an invalid label (or none at all): the rule is not stricter than DC/OS. */
  @ParameterizedTest
  @ValueSource(strings = {"", "123456789012", "..a", "a/b", "a b", "ünï", "a", "x", "_", ".", "-", ".a", "-x", "x.",
      "x-", "a.b", "a-b", "-ab"})
  void aPrefixThatCannotYieldAValidLabelIsRejected(String prefix) {
    assertThat(ScheduleNames.validatePrefix(prefix)).hasValueSatisfying(reason ->
        assertThat(reason).contains("label prefix"));
    assertThat(prefix).doesNotMatch(ScheduleNames.PREFIX_PATTERN);
    assertThat(BackupLabels.validate(ScheduleNames.backupLabel(prefix, FIRE))).as(prefix).isPresent();
  }

  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "x   | is 1 character; at least 2 are needed",
      "-ab | must not start with '-'",
      ".ab | must not start with '.'",
      "a-b | must not have '-' as its second character",
      "a.b | must not have '.' as its second character"})
  @ParameterizedTest
  void theReasonSaysWhatIsWrongWithTheFirstTwoCharacters(String prefix, String reason) {
    assertThat(ScheduleNames.validatePrefix(prefix)).hasValueSatisfying(message -> assertThat(message)
        .startsWith("label prefix \"" + prefix + "\" " + reason)
        .contains("<prefix>-<yyyyMMdd>-<HHmm> must start with two letters, digits or '_'"));
  }

  @Test
  void theCrdPatternIsTheRuleTheOperatorChecks() throws Exception {
    var label = io.dcos.backup.api.BackupScheduleSpec.class.getDeclaredField("label");
    assertThat(label.getAnnotation(io.fabric8.generator.annotation.Pattern.class).value())
        .isEqualTo(ScheduleNames.PREFIX_PATTERN);
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
