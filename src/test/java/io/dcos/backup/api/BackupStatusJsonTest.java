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

  @Test
  void sizeIsTheBytesInBinaryUnitsAndAlwaysFollowsThem() {
    assertThat(BackupStatus.humanBytes(0)).isEqualTo("0 B");
    assertThat(BackupStatus.humanBytes(1023)).isEqualTo("1023 B");
    assertThat(BackupStatus.humanBytes(1024)).isEqualTo("1.0 KiB");
    assertThat(BackupStatus.humanBytes(1536)).isEqualTo("1.5 KiB");
    assertThat(BackupStatus.humanBytes(1024 * 1024 - 1)).isEqualTo("1.0 MiB");
    assertThat(BackupStatus.humanBytes(12_900_000)).isEqualTo("12.3 MiB");
    assertThat(BackupStatus.humanBytes(5L << 30)).isEqualTo("5.0 GiB");
    assertThat(BackupStatus.humanBytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");

    BackupStatus status = new BackupStatus(null, null, null, null, null, null, null, null, null, 10L, 1536L, null,
        null, null, null, null, null);
    assertThat(status.size()).isEqualTo("1.5 KiB");
    String json = Serialization.asJson(status);
    assertThat(json).contains("\"bytes\":1536").contains("\"size\":\"1.5 KiB\"");
    assertThat(Serialization.unmarshal(json.replace("1.5 KiB", "stale"), BackupStatus.class).size())
        .as("derived from bytes, whatever was stored").isEqualTo("1.5 KiB");
    assertThat(new BackupStatus(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null).size()).isNull();
  }

  @Test
  void theSizePrinterColumnShowsTheHumanSize() {
    var columns = java.util.Arrays.stream(Backup.class.getAnnotationsByType(
        io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.class)).toList();
    assertThat(columns).filteredOn(c -> c.name().equals("Size")).singleElement()
        .satisfies(c -> assertThat(c.jsonPath()).isEqualTo(".status.size"));
  }
}
