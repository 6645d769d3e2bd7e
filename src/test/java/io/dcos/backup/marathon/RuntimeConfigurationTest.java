package io.dcos.backup.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RuntimeConfigurationTest {

  private static RuntimeConfiguration parse(String json) {
    return RuntimeConfiguration.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void namesWhatTheNextLeaderRuns() {
    assertThat(parse("{\"backup\":\"s3://bucket/marathon.tar\",\"restore\":null}").pendingAction())
        .contains("a backup to s3://bucket/marathon.tar");
    assertThat(parse("{\"restore\":\"file:///var/backups/m.tar\"}").pendingAction())
        .contains("a restore from file:///var/backups/m.tar");
    assertThat(parse("{\"backup\":\"s3://b/x\",\"restore\":\"s3://b/y\"}").pendingAction())
        .contains("a restore from s3://b/y and a backup to s3://b/x");
  }

  @Test
  void aResetOrUnreadableNodeNamesNothing() {
    for (String json : new String[] {"{}", "{\"backup\":null,\"restore\":null}", "{\"backup\":\"\"}",
        "{\"restore\":\"none\"}", "not json", ""}) {
      assertThat(parse(json).pendingAction()).as(json).isEmpty();
    }
    assertThat(RuntimeConfiguration.parse(null)).isEqualTo(RuntimeConfiguration.NONE);
  }

  @Test
  void theNodeIsTheIdUnderItsBucket() {
    assertThat(RuntimeConfiguration.isNode("/runtime-configuration/3c/id")).isTrue();
    assertThat(RuntimeConfiguration.isNode("/runtime-configuration/3c")).isFalse();
    assertThat(RuntimeConfiguration.isNode("/runtime-configuration/3c/id/x")).isFalse();
    assertThat(RuntimeConfiguration.isNode("/apps/runtime-configuration/3c/id")).isFalse();
  }
}
