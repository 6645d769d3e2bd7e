package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.reconciler.ArchiveRecovery;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, item 11: archives are the source of truth. Backups are made in one world; a new world (new ZooKeeper,
 * Marathon and API server, so no Backup objects) started on the same backup directory — "the sandbox restarted on the
 * same backup directory" — gets them back, READY with the same IDs and figures, marked as recovered; a corrupt archive
 * is not recovered and is reported.
 */
class ArchiveRecoveryTest {
  private static final Duration BOUND = Duration.ofSeconds(90);

  @TempDir
  Path backups;

  @Test
  void backupsReappearFromTheStoreButACorruptArchiveDoesNot() throws Exception {
    Map<String, BackupStatus> made = new java.util.HashMap<>();
    try (EmbeddedWorld first = world()) {
      for (String label : List.of("kept-one", "Kept_Two")) {
        first.client().resource(ApiObjects.backup("lost", label.toLowerCase().replace('_', '-'), label)).create();
      }
      await().atMost(BOUND).until(() -> first.client().resources(Backup.class).inNamespace("lost").list().getItems()
          .stream().filter(b -> b.getStatus() != null && b.getStatus().phase() == Phase.STATUS_READY).count() == 2);
      first.client().resources(Backup.class).inNamespace("lost").list().getItems()
          .forEach(b -> made.put(b.getStatus().id(), b.getStatus()));
    }
    // One archive corrupted (one byte flipped near the end, in nodes.bin), a partial one left (a temp file).
    String corruptId = made.keySet().stream().filter(id -> id.startsWith("Kept_Two")).findFirst().orElseThrow();
    Path corrupt = backups.resolve(corruptId + ".tar");
    byte[] bytes = Files.readAllBytes(corrupt);
    int at = bytes.length - 2048;
    while (bytes[at] == 0) {
      at--;
    }
    bytes[at] ^= 0x5a;
    Files.write(corrupt, bytes);
    made.remove(corruptId);
    Files.write(backups.resolve(".partial-x.tar.tmp"), new byte[] {1, 2, 3});

    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger recoveryLog = (Logger) LoggerFactory.getLogger(ArchiveRecovery.class);
    logs.start();
    recoveryLog.addAppender(logs);
    try (EmbeddedWorld second = world()) {
      await().atMost(BOUND).untilAsserted(() -> assertThat(recovered(second).keySet()).containsAll(made.keySet()));
      Map<String, Backup> recovered = recovered(second);
      for (var entry : made.entrySet()) {
        Backup backup = recovered.get(entry.getKey());
        BackupStatus original = entry.getValue();
        BackupStatus status = backup.getStatus();
        assertThat(backup.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(status.phase()).isEqualTo(Phase.STATUS_READY);
        assertThat(status.recoveredFromStore()).isTrue();
        assertThat(backup.getMetadata().getAnnotations()).containsEntry(ArchiveRecovery.ANNOTATION, entry.getKey());
        assertThat(backup.getSpec().label()).isEqualTo(original.id().substring(0, original.id().length() - 37));
        assertThat(status.znodes()).isEqualTo(original.znodes());
        assertThat(status.bytes()).isEqualTo(original.bytes());
        assertThat(status.sha256()).isEqualTo(original.sha256());
        assertThat(status.timestamp()).isEqualTo(original.timestamp());
      }
      assertThat(recovered).doesNotContainKey(corruptId);
      assertThat(logs.list).anySatisfy(event -> assertThat(event.getFormattedMessage())
          .contains(corruptId, "NOT recovered", "does not verify"));
      assertThat(backups.resolve(".partial-x.tar.tmp")).doesNotExist();

      // A recovered backup is a backup: it restores, and the scan does not recover it twice.
      String id = made.keySet().iterator().next();
      second.client().resource(ApiObjects.restore("default", "from-recovered", id)).create();
      await().atMost(BOUND).until(() -> {
        Restore r = second.client().resources(Restore.class).inNamespace("default").withName("from-recovered").get();
        return r.getStatus() != null && r.getStatus().phase() != null && r.getStatus().phase().isTerminal();
      });
      assertThat(second.client().resources(Restore.class).inNamespace("default").withName("from-recovered").get()
          .getStatus().phase()).isEqualTo(Phase.STATUS_READY);
      long before = second.client().resources(Backup.class).inAnyNamespace().list().getItems().size();
      Thread.sleep(1_000);
      assertThat(second.client().resources(Backup.class).inAnyNamespace().list().getItems()).hasSize((int) before);
    } finally {
      recoveryLog.detachAppender(logs);
    }
  }

  /**
   * A recovered Backup names the Marathon its archive was taken from, found by the ZooKeeper path its manifest
   * records: restoring it can only target that Marathon. While no MarathonCluster has that path, the archive waits.
   */
  @Test
  void aRecoveredBackupNamesTheMarathonItsArchiveWasTakenFrom() throws Exception {
    String native_;
    String mom;
    try (EmbeddedWorld first = world(true)) {
      native_ = backUp(first, "of-native", null);
      mom = backUp(first, "of-mom", EmbeddedWorld.MOM_CLUSTER);
    }
    try (EmbeddedWorld onlyNative = world(false)) {
      await().atMost(BOUND).untilAsserted(() -> assertThat(recovered(onlyNative)).containsKey(native_));
      assertThat(recovered(onlyNative).get(native_).getSpec().cluster()).as("the default cluster").isNull();
      Thread.sleep(1_000);
      assertThat(recovered(onlyNative)).as("no MarathonCluster has the MoM's path").doesNotContainKey(mom);
    }
    try (EmbeddedWorld both = world(true)) {
      await().atMost(BOUND).untilAsserted(() -> assertThat(recovered(both)).containsKeys(native_, mom));
      assertThat(recovered(both).get(mom).getSpec().cluster()).isEqualTo(EmbeddedWorld.MOM_CLUSTER);
    }
  }

  private static String backUp(EmbeddedWorld world, String name, String cluster) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace("lost");
    backup.setSpec(new BackupSpec("label-" + name, null, null, cluster));
    world.client().resource(backup).create();
    await().atMost(BOUND).until(() -> {
      Backup b = world.client().resources(Backup.class).inNamespace("lost").withName(name).get();
      return b.getStatus() != null && b.getStatus().phase() == Phase.STATUS_READY;
    });
    return world.client().resources(Backup.class).inNamespace("lost").withName(name).get().getStatus().id();
  }

  private static Map<String, Backup> recovered(EmbeddedWorld world) {
    return world.client().resources(Backup.class).inAnyNamespace().list().getItems().stream()
        .filter(b -> b.getStatus() != null && Boolean.TRUE.equals(b.getStatus().recoveredFromStore()))
        .collect(Collectors.toMap(b -> b.getStatus().id(), b -> b));
  }

  private EmbeddedWorld world() throws Exception {
    return world(false);
  }

  private EmbeddedWorld world(boolean marathonOnMarathon) throws Exception {
    return SharedWorld.builder(2, backups).marathonOnMarathon(marathonOnMarathon).start();
  }
}
