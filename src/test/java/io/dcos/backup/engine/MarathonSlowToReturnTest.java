package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.TestFences;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Marathon not electing a leader within the fence's recovery timeout, after the backup or restore itself is complete
 * and verified: that is a warning on the outcome, not a failure — the archive is good and the state is the backup,
 * and Marathon comes back by itself (here: one instance that restarts 4 s after abdicating; recovery timeout 1 s).
 */
class MarathonSlowToReturnTest {

  @Test
  void aVerifiedBackupAndRestoreStandWhenMarathonIsSlowToComeBack() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(1, "slow-marathon")
        .simulatorOptions(SimulatorOptions.defaults().withRestartDelay(Duration.ofSeconds(4))
            .withExitDelay(Duration.ofMillis(100)).withWriteInterval(Duration.ofMillis(100)))
        .fenceOptions(TestFences.withRecovery(TestFences.ENGINE, Duration.ofSeconds(1)))
        .withKubernetes(false)
        .start()) {
      awaitLeader(world);
      String id = "slow-" + UUID.randomUUID();
      BackupOutcome backup = world.service().backup(id, "slow", ProgressListener.NONE);
      assertThat(backup.warning()).contains("did not elect a leader within");
      assertThat(world.service().store().verify(id).znodes()).isEqualTo(backup.manifest().znodes());

      awaitLeader(world);
      RestoreOutcome restore = world.service().restore(id, "pre-restore-" + UUID.randomUUID(), ProgressListener.NONE);
      assertThat(restore.warning()).contains("did not elect a leader within");
      assertThat(restore.znodes()).isEqualTo(backup.manifest().znodes());
      awaitLeader(world);
    }
  }

  private static void awaitLeader(EmbeddedWorld world) throws InterruptedException {
    for (int i = 0; i < 400 && world.simulator().orElseThrow().leaderIndex().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(world.simulator().orElseThrow().leaderIndex()).isPresent();
  }
}
