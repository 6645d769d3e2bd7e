package io.dcos.backup.reconciler;

import io.dcos.backup.control.Failures;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Backup a Restore names, from the informer cache, else from the API. */
final class BackupLookup {
  private static final Logger log = LoggerFactory.getLogger(BackupLookup.class);
  private final InformerEventSource<Backup, Restore> cache;

  BackupLookup(InformerEventSource<Backup, Restore> cache) {
    this.cache = cache;
  }

  /**
   * "Not found" ends the Restore, so the informer cache alone must not decide it: a Backup created a moment before
   * the Restore (one `kubectl apply` of both, one GitOps sync) may not be in it yet. The API is asked only then.
   */
  Optional<Backup> find(String namespace, RestoreSpec spec, KubernetesClient client) {
    return cached(namespace, spec).or(() -> live(namespace, spec, client));
  }

  /** The Backup with this ID, for its storage location (none: the backup directory) and cluster; empty if unreadable. */
  Optional<Backup> withId(String namespace, String backupId, KubernetesClient client) {
    try {
      return find(namespace, new RestoreSpec(backupId, null), client);
    } catch (RuntimeException e) {
      log.warn("could not read the Backup of {}: {}", backupId, Failures.message(e));
      return Optional.empty();
    }
  }

  private Optional<Backup> cached(String namespace, RestoreSpec spec) {
    if (spec.backupName() != null) {
      return cache.get(new ResourceID(spec.backupName(), namespace));
    }
    return cache.list(namespace, backup -> backup.getStatus() != null
        && spec.backupId().equals(backup.getStatus().id())).findFirst();
  }

  private static Optional<Backup> live(String namespace, RestoreSpec spec, KubernetesClient client) {
    var inNamespace = client.resources(Backup.class).inNamespace(namespace);
    if (spec.backupName() != null) {
      return Optional.ofNullable(inNamespace.withName(spec.backupName()).get());
    }
    return inNamespace.list().getItems().stream()
        .filter(backup -> backup.getStatus() != null && spec.backupId().equals(backup.getStatus().id()))
        .findFirst();
  }
}
