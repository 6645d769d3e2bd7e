package io.dcos.backup.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** Backups, Restores and namespaces as tests create and wait for them. */
public final class ApiObjects {
  public static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(90);

  private ApiObjects() {}

  public static Backup backup(String namespace, String name, String label) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace(namespace);
    backup.setSpec(new BackupSpec(label));
    return backup;
  }

  /** A Restore of backup {@code backupId}. */
  public static Restore restore(String namespace, String name, String backupId) {
    return restore(namespace, name, new RestoreSpec(backupId, null));
  }

  public static Restore restore(String namespace, String name, RestoreSpec spec) {
    Restore restore = new Restore();
    restore.getMetadata().setName(name);
    restore.getMetadata().setNamespace(namespace);
    restore.setSpec(spec);
    return restore;
  }

  /** A fresh namespace, so tests sharing one world never see each other's objects. */
  public static String createNamespace(KubernetesClient client, String prefix) {
    return createNamedNamespace(client, SharedWorld.namespace(prefix));
  }

  /** A namespace named exactly {@code name}: for a world of the test's own, or a name the operator is told. */
  public static String createNamedNamespace(KubernetesClient client, String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  public static Phase phaseOf(HasMetadata object) {
    if (object instanceof Backup backup) {
      return backup.getStatus() == null ? null : backup.getStatus().phase();
    }
    Restore restore = (Restore) object;
    return restore.getStatus() == null ? null : restore.getStatus().phase();
  }

  public static String messageOf(HasMetadata object) {
    if (object instanceof Backup backup) {
      return backup.getStatus() == null ? null : backup.getStatus().message();
    }
    Restore restore = (Restore) object;
    return restore.getStatus() == null ? null : restore.getStatus().message();
  }

  /** Waits up to {@code bound} for a terminal phase (READY or ERROR), whichever, and returns the object. */
  public static <T extends HasMetadata> T awaitTerminal(KubernetesClient client, Class<T> type, String namespace,
      String name, Duration bound) {
    await().atMost(bound).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      T object = client.resources(type).inNamespace(namespace).withName(name).get();
      assertThat(object).isNotNull();
      assertThat(phaseOf(object)).as("%s %s/%s: %s", type.getSimpleName(), namespace, name, messageOf(object))
          .isIn(Phase.STATUS_READY, Phase.STATUS_ERROR);
    });
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }

  /** Waits for the phase; fails at once when the object ends in the other terminal phase. */
  public static <T extends HasMetadata> T awaitPhase(KubernetesClient client, Class<T> type, String namespace,
      String name, Phase expected) {
    await().atMost(OPERATION_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      T object = client.resources(type).inNamespace(namespace).withName(name).get();
      Phase phase = object == null ? null : phaseOf(object);
      if (phase != null && phase.isTerminal() && phase != expected) {
        throw new AssertionError(type.getSimpleName() + " " + name + " ended " + phase + ": " + object);
      }
      return phase == expected;
    });
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }
}
