package io.dcos.backup.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** status.consistency is an enum in Java and keeps the same JSON strings it had as a String field. */
class BackupStatusJsonTest {

  @Test
  void consistencyKeepsItsJsonValues() {
    for (BackupStatus.Consistency value : BackupStatus.Consistency.values()) {
      BackupStatus status = new BackupStatus(null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, value);
      String json = Serialization.asJson(status);
      assertThat(json).contains("\"consistency\":\"" + value.name() + "\"");
      assertThat(Serialization.unmarshal(json, BackupStatus.class).consistency()).isEqualTo(value);
    }
    assertThat(BackupStatus.Consistency.values()).extracting(Enum::name)
        .containsExactly("Fenced", "Online", "FencedFallback");
  }

  @Test
  void statusesWrittenBeforeTheEnumStillRead() {
    BackupStatus status = Serialization.unmarshal("{\"id\":\"a-1\",\"consistency\":\"FencedFallback\"}",
        BackupStatus.class);
    assertThat(status.consistency()).isEqualTo(BackupStatus.Consistency.FencedFallback);
  }
}
