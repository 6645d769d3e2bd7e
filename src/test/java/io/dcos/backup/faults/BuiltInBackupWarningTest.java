package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.RestoreOutcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A state whose runtime-configuration names one of Marathon's built-in backups or restores: the next elected leader
 * runs it. A backup of such a state, and a restore of that backup, say so; a state that names none gets no such
 * note.
 */
class BuiltInBackupWarningTest {
  @RegisterExtension
  static final FaultWorld world = FaultWorld.perTest();

  private static String runtimeConfigurationNode() throws Exception {
    String category = FaultWorld.STATE + "/runtime-configuration";
    List<String> buckets = world.admin.getChildren().forPath(category);
    assertThat(buckets).as("the simulator stores the node on election, as Marathon does").hasSize(1);
    return category + "/" + buckets.get(0) + "/id";
  }

  @Test
  void aBackupAndItsRestoreSayWhatMarathonsNextLeaderWillRun() throws Exception {
    world.admin.setData().forPath(runtimeConfigurationNode(),
        "{\"backup\":null,\"restore\":\"s3://old-bucket/marathon.tar\"}".getBytes(StandardCharsets.UTF_8));
    BackupOutcome backup = world.service.backup("with-restore-uri", "uri", world.progress::add);
    assertThat(backup.warning()).contains("runtime-configuration").contains("a restore from s3://old-bucket/marathon.tar");

    world.awaitElected(java.time.Duration.ofSeconds(20));
    RestoreOutcome restore = world.service.restore("with-restore-uri", "safety-uri", world.progress::add);
    assertThat(restore.storageVersionNote()).contains("a restore from s3://old-bucket/marathon.tar");
  }

  @Test
  void aResetNodeGivesNoNote() throws Exception {
    world.admin.setData().forPath(runtimeConfigurationNode(), "{}".getBytes(StandardCharsets.UTF_8));
    BackupOutcome backup = world.service.backup("plain", "plain", world.progress::add);
    assertThat(backup.warning()).isNull();
    world.awaitElected(java.time.Duration.ofSeconds(20));
    RestoreOutcome restore = world.service.restore("plain", "safety-plain", world.progress::add);
    assertThat(restore.storageVersionNote() == null ? "" : restore.storageVersionNote())
        .doesNotContain("runtime-configuration");
  }
}
