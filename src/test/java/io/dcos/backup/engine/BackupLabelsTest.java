package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupLabelsTest {

  @ParameterizedTest
  @ValueSource(strings = {"abc", "ab.", "ab-", "a_b-c.d", "0123456789012345678901234", "_ab", "__.", "xy..z",
      "A9-..-x"})
  void acceptsWhatDcosAccepted(String label) {
    assertThat(BackupLabels.validate(label)).isEmpty();
    assertThat(label).matches(BackupLabels.PATTERN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "01234567890123456789012345", "..x", "a/b", "a b", "ünï", "a\u0000b", "../etc",
      "abc\n", ".abc", "-abc", "a.bc", "a-bc", ".x.", "x..y", "a.b", "-_abc"})
  void rejectsWithAReason(String label) {
    assertThat(BackupLabels.validate(label)).hasValueSatisfying(reason -> assertThat(reason).contains("label"));
    assertThat(label).doesNotMatch(BackupLabels.PATTERN);
  }

  /** 3+ characters of the allowed set, so the leading characters are what is wrong, and the reason says which. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      ".abc | must not start with '.'",
      "-abc | must not start with '-'",
      "..x  | must not start with '.'",
      "a.bc | must not have '.' as its second character",
      "a-bc | must not have '-' as its second character",
      "_-x  | must not have '-' as its second character"})
  void aLabelMustStartWithTwoLettersDigitsOrUnderscores(String label, String reason) {
    assertThat(BackupLabels.validate(label)).hasValueSatisfying(message -> assertThat(message)
        .isEqualTo("label \"" + label + "\" " + reason + ": its first two characters must be letters, digits or '_'"));
  }

  @org.junit.jupiter.api.Test
  void theCrdPatternIsTheRuleTheOperatorChecks() throws Exception {
    var field = io.dcos.backup.api.BackupSpec.class.getDeclaredField("label");
    assertThat(field.getAnnotation(io.fabric8.generator.annotation.Pattern.class).value())
        .isEqualTo(BackupLabels.PATTERN);
  }

  @org.junit.jupiter.api.Test
  void rejectsNull() {
    assertThat(BackupLabels.validate(null)).contains("label is required");
  }

  @org.junit.jupiter.api.Test
  void idsCarryTheLabelAndAUuid4() {
    String id = BackupLabels.newBackupId("before-upgrade");
    assertThat(id).startsWith("before-upgrade-").hasSize("before-upgrade".length() + 37);
    assertThat(BackupLabels.isBackupId(id)).isTrue();
    assertThat(BackupLabels.labelOf(id)).isEqualTo("before-upgrade");
    assertThat(BackupLabels.isBackupId("before-upgrade")).isFalse();
    assertThat(BackupLabels.isBackupId("../x-" + id.substring(id.length() - 36))).isFalse();
  }
}
