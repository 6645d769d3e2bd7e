package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.PhaseLog;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.ArchiveStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, item 7: 20 Backups and 3 Restores created at once, with two operator replicas (no leader election) against
 * the same API server, ZooKeeper and backup directory. Everything ends READY; every object's phase only moves forward
 * (watched); each backup's archive verifies and matches its status; the ZooKeeper lock serializes the replicas, and a
 * replica that finds an operation finished by the other reuses its outcome instead of running it again.
 */
@Tag("slow")
class TwoReplicasConcurrencyTest {
  private static final Duration BOUND = Duration.ofMinutes(5);

  @TempDir
  Path backups;

  @Test
  void twentyBackupsAndThreeRestoresOnTwoReplicasAllEndAndNeverGoBackwards() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(3, backups).start();
         BackupService secondService = new BackupService(world.service().config());
         OperatorRuntime second = OperatorRuntime.start(world.client(), secondService,
             OperatorRuntime.Options.embedded().withRecovery(Optional.of("default"), Duration.ofSeconds(5)))) {
      KubernetesClient client = world.client();
      String ns = "replicas";
      PhaseLog<Backup> backupPhases = new PhaseLog<>();
      PhaseLog<Restore> restorePhases = new PhaseLog<>();
      try (Watch backupWatch = client.resources(Backup.class).inNamespace(ns).watch(backupPhases);
           Watch restoreWatch = client.resources(Restore.class).inNamespace(ns).watch(restorePhases)) {
        for (int i = 0; i < 20; i++) {
          client.resource(ApiObjects.backup(ns, "b" + i, "many-" + i)).create();
        }
        for (int i = 0; i < 3; i++) {
          client.resource(ApiObjects.restore(ns, "r" + i, new RestoreSpec(null, "b" + (i * 7)))).create();
        }
        await().atMost(BOUND).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(client.resources(Backup.class).inNamespace(ns).list().getItems())
              .hasSize(20).allSatisfy(b -> assertThat(ApiObjects.phaseOf(b)).as(b.getMetadata().getName()).isNotNull()
                  .matches(Phase::isTerminal));
          assertThat(client.resources(Restore.class).inNamespace(ns).list().getItems())
              .hasSize(3).allSatisfy(x -> assertThat(ApiObjects.phaseOf(x)).as(x.getMetadata().getName()).isNotNull()
                  .matches(Phase::isTerminal));
        });
        Thread.sleep(2_000); // late writes from a replica with a stale view would show up now
      }
      ArchiveStore store = new ArchiveStore(backups);
      for (Backup backup : client.resources(Backup.class).inNamespace(ns).list().getItems()) {
        String name = backup.getMetadata().getName();
        assertThat(backup.getStatus().phase()).as("%s: %s", name, backup.getStatus().message())
            .isEqualTo(Phase.STATUS_READY);
        assertThat(store.verify(backup.getStatus().id()).sha256()).isEqualTo(backup.getStatus().sha256());
        assertThat(backupPhases.of(name)).as("phases of %s", name)
            .containsExactly(Phase.STATUS_BACKING_UP, Phase.STATUS_READY);
      }
      for (Restore restore : client.resources(Restore.class).inNamespace(ns).list().getItems()) {
        String name = restore.getMetadata().getName();
        assertThat(restore.getStatus().phase()).as("%s: %s", name, restore.getStatus().message())
            .isEqualTo(Phase.STATUS_READY);
        assertThat(restorePhases.of(name)).as("phases of %s", name)
            .containsExactly(Phase.STATUS_RESTORING, Phase.STATUS_READY);
      }
    }
  }
}
