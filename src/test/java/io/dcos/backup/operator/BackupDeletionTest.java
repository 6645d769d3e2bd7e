package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.reconciler.ArchiveRecovery;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.testing.Closer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When deleting a Backup deletes its archive, and when it must not: while a Restore still rolls back to it (the
 * Backup is that restore's safety snapshot, recovered from the store), and when its namespace is being deleted
 * (backups survive the loss of their objects: archive recovery brings them back).
 *
 * <p>A world of its own: the test holds the operator's queue (so a restore stays unfinished for as long as it needs)
 * and scans the store for archives without a Backup every 300 ms, into the namespace {@link #RECOVERY}.
 */
class BackupDeletionTest {
  private static final Duration TIMEOUT = ApiObjects.OPERATION_TIMEOUT;
  private static final String RECOVERY = "recovered";
  private static final String HOLD = "test.dcos.io/hold";
  private static EmbeddedWorld world;
  private static KubernetesClient client;
  private static OperatorRuntime operator;
  @RegisterExtension
  static final Closer CLOSER = new Closer();

  @BeforeAll
  static void start() throws Exception {
    world = CLOSER.add(SharedWorld.builder(1, "deletion-backups").withOperator(false).start());
    client = world.client();
    ApiObjects.createNamedNamespace(client, RECOVERY);
    operator = CLOSER.add(OperatorRuntime.start(client, world.service(),
        OperatorRuntime.Options.embedded().withRecovery(Optional.of(RECOVERY), Duration.ofMillis(300))));
  }

  @Test
  void aSafetySnapshotIsKeptWhileTheRestoreThatRollsBackToItHasNotFinished() throws Exception {
    String ns = ApiObjects.createNamespace(client, "rollback");
    client.resource(ApiObjects.backup(ns, "source", "source")).create();
    Backup source = ApiObjects.awaitPhase(client, Backup.class, ns, "source", Phase.STATUS_READY);

    CountDownLatch gate = blockQueue(operator.queue());
    String safetyId;
    String claim;
    try {
      client.resource(ApiObjects.restore(ns, "rolls-back", new RestoreSpec(null, "source"))).create();
      await().atMost(TIMEOUT).until(() -> safetySnapshotId(ns, "rolls-back") != null);
      safetyId = safetySnapshotId(ns, "rolls-back");
      // What archive recovery makes of a safety snapshot: a READY Backup claiming its ID, in the recovery namespace.
      claim = recoveredBackup(safetyId);
      await().atMost(TIMEOUT).until(() -> !client.resources(Backup.class).inNamespace(RECOVERY).withName(claim).get()
          .getMetadata().getFinalizers().isEmpty());

      client.resources(Backup.class).inNamespace(RECOVERY).withName(claim).delete();

      await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> {
        Backup kept = client.resources(Backup.class).inNamespace(RECOVERY).withName(claim).get();
        return kept != null && kept.getMetadata().getDeletionTimestamp() != null;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events(RECOVERY, claim, "DeletionWaiting"))
          .anySatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains("restore " + ns + "/rolls-back", "rolls back to it");
          }));
      assertThat(ApiObjects.phaseOf(client.resources(Restore.class).inNamespace(ns).withName("rolls-back").get()))
          .isEqualTo(Phase.STATUS_RESTORING);
    } finally {
      gate.countDown();
    }

    ApiObjects.awaitPhase(client, Restore.class, ns, "rolls-back", Phase.STATUS_READY);
    // Now nothing needs it: an explicit delete deletes the object and its archive.
    await().atMost(TIMEOUT).until(() -> client.resources(Backup.class).inNamespace(RECOVERY).withName(claim).get()
        == null);
    assertThat(world.service().archive(safetyId)).isEmpty();
    assertThat(world.service().archive(source.getStatus().id())).isPresent();
  }

  @Test
  void deletingATerminatingNamespaceKeepsItsArchivesAndRecoveryBringsTheBackupsBack() throws Exception {
    String ns = SharedWorld.namespace("doomed");
    // A finalizer of the test's keeps the namespace Terminating, as Kubernetes does while it deletes its content.
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withFinalizers(HOLD)
        .endMetadata().build()).create();
    try {
      Backup ready = readyBackup(ns, "kept");
      client.namespaces().withName(ns).delete();
      await().atMost(TIMEOUT).until(() -> client.namespaces().withName(ns).get().getMetadata()
          .getDeletionTimestamp() != null);

      // What the namespace controller does to everything in a Terminating namespace.
      client.resources(Backup.class).inNamespace(ns).withName("kept").delete();

      assertArchiveKeptAndRecovered(ns, ready);
    } finally {
      Namespace namespace = client.namespaces().withName(ns).get();
      if (namespace != null) {
        client.namespaces().withName(ns).edit(n -> {
          n.getMetadata().setFinalizers(List.of());
          return n;
        });
      }
    }
  }

  @Test
  void aBackupWhoseNamespaceIsGoneLeavesItsArchive() throws Exception {
    String ns = ApiObjects.createNamespace(client, "gone");
    Backup ready = readyBackup(ns, "orphan");
    client.namespaces().withName(ns).delete();
    await().atMost(TIMEOUT).until(() -> client.namespaces().withName(ns).get() == null);

    client.resources(Backup.class).inNamespace(ns).withName("orphan").delete();

    assertArchiveKeptAndRecovered(ns, ready);
  }

  private static Backup readyBackup(String ns, String name) {
    client.resource(ApiObjects.backup(ns, name, name)).create();
    Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, name, Phase.STATUS_READY);
    assertThat(ready.getMetadata().getFinalizers()).isNotEmpty();
    assertThat(Path.of(ready.getStatus().location())).isRegularFile();
    return ready;
  }

  /** The Backup went, its archive stayed, and the archive became a Backup again — which an explicit delete ends. */
  private static void assertArchiveKeptAndRecovered(String ns, Backup ready) throws Exception {
    String name = ready.getMetadata().getName();
    String id = ready.getStatus().id();
    await().atMost(TIMEOUT).until(() -> client.resources(Backup.class).inNamespace(ns).withName(name).get() == null);
    assertThat(Path.of(ready.getStatus().location())).as("the archive is kept").isRegularFile();
    assertThat(world.service().archive(id)).isPresent();

    await().atMost(TIMEOUT).until(() -> recovered(id).isPresent());
    Backup recovered = recovered(id).orElseThrow();
    assertThat(recovered.getMetadata().getNamespace()).isEqualTo(RECOVERY);
    assertThat(recovered.getStatus().phase()).isEqualTo(Phase.STATUS_READY);
    assertThat(recovered.getStatus().recoveredFromStore()).isTrue();
    assertThat(recovered.getStatus().sha256()).isEqualTo(ready.getStatus().sha256());

    // An explicit `kubectl delete backup` in a namespace that stays still deletes the archive.
    await().atMost(TIMEOUT).until(() -> !client.resource(recovered).get().getMetadata().getFinalizers().isEmpty());
    client.resource(recovered).delete();
    await().atMost(TIMEOUT).until(() -> recovered(id).isEmpty());
    assertThat(Path.of(ready.getStatus().location())).doesNotExist();
  }

  private static Optional<Backup> recovered(String id) {
    return client.resources(Backup.class).inNamespace(RECOVERY).list().getItems().stream()
        .filter(b -> b.getStatus() != null && id.equals(b.getStatus().id()))
        .findFirst();
  }

  /** A Backup as archive recovery writes one: the annotation first (left alone by the reconciler), then status. */
  private static String recoveredBackup(String id) {
    Backup backup = new Backup();
    backup.getMetadata().setNamespace(RECOVERY);
    backup.getMetadata().setName(id.toLowerCase());
    backup.getMetadata().setAnnotations(Map.of(ArchiveRecovery.ANNOTATION, id));
    backup.setSpec(new BackupSpec("pre-restore"));
    client.resource(backup).create();
    var object = client.resources(Backup.class).inNamespace(RECOVERY).withName(backup.getMetadata().getName());
    // The operator adds its finalizer meanwhile: a status write on the version read before it is a 409, retried.
    await().atMost(TIMEOUT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      object.editStatus(b -> {
        b.setStatus(new BackupStatus(id, Phase.STATUS_READY, ComponentStatus.marathon(Phase.STATUS_READY), null,
            null, null, "recovered (by the test)", null, null, null, null, null, null, Boolean.TRUE, null, null,
            null));
        return b;
      });
      return true;
    });
    return backup.getMetadata().getName();
  }

  private static String safetySnapshotId(String ns, String restore) {
    Restore r = client.resources(Restore.class).inNamespace(ns).withName(restore).get();
    return r == null || r.getStatus() == null ? null : r.getStatus().safetySnapshotId();
  }

  private static List<Event> events(String ns, String name, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .toList();
  }

  /** Holds the operation queue (one operation at a time) until the latch is released. */
  private static CountDownLatch blockQueue(OperationQueue queue) {
    CountDownLatch gate = new CountDownLatch(1);
    queue.submit("test/gate-" + System.nanoTime(), "test gate", progress -> {
      gate.await();
      return null;
    }, () -> { });
    return gate;
  }
}
