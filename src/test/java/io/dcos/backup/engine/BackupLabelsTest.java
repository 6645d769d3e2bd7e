package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupLabelsTest {

  @ParameterizedTest
  @ValueSource(strings = {"abc", "a.b", "a_b-c.d", "0123456789012345678901234", ".x.", "_ab", "x..y"})
  void acceptsWhatDcosAccepted(String label) {
    assertThat(BackupLabels.validate(label)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "01234567890123456789012345", "..x", "a/b", "a b", "ünï", "a\u0000b", "../etc",
      "abc\n"})
  void rejectsWithAReason(String label) {
    assertThat(BackupLabels.validate(label)).hasValueSatisfying(reason -> assertThat(reason).contains("label"));
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
