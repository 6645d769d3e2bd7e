package io.dcos.backup.reconciler;

import io.dcos.backup.control.Failures;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;
import io.dcos.backup.engine.LocatedArchives;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What deleting a Backup does to its archive. The archive goes once nothing needs it: not while its backup runs, a
 * Restore of it runs, or a Restore that would roll back to it (it is that Restore's safety snapshot) has not finished;
 * never from a ReadOnly location; and not when the Backup's namespace is being deleted — then only the object goes,
 * and archive recovery recreates a Backup for the archive in its recovery namespace.
 */
final class BackupCleanup {
  private static final Logger log = LoggerFactory.getLogger(BackupCleanup.class);
  static final Duration WAIT_AFTER_FAILURE = Duration.ofSeconds(10);
  /** A deletion refused by a ReadOnly location is looked at again this often (the location may become ReadWrite). */
  static final Duration WAIT_WHILE_READ_ONLY = Duration.ofMinutes(1);

  /** Restores (of every namespace) that match a predicate, as the informer cache knows them. */
  interface Restores {
    Stream<Restore> matching(Predicate<Restore> predicate);
  }

  private final OperationQueue queue;
  private final StorageLocations locations;
  private final LocatedArchives located;
  private final EventRecorder events;

  BackupCleanup(OperationQueue queue, StorageLocations locations, LocatedArchives located, EventRecorder events) {
    this.queue = queue;
    this.locations = locations;
    this.located = located;
    this.events = events;
  }

  DeleteControl cleanup(Backup backup, KubernetesClient client, Restores restores) {
    String key = BackupReconciler.operationKey(backup);
    // forget() cancels a queued backup and drops a finished one in one step; a running one cannot be taken back.
    // (Asking isRunning() first left a gap: a queued backup that started in between kept running without its
    // finalizer, and its archive came back through archive recovery.)
    if (!queue.forget(key) && queue.get(key).isPresent()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(BackupReconciler.WAIT_WHILE_IN_USE);
    }
    String id = backup.getStatus() == null ? null : backup.getStatus().id();
    String namespace = backup.getMetadata().getNamespace();
    Optional<Boolean> namespaceGoing = namespaceBeingDeleted(namespace, client);
    if (namespaceGoing.isEmpty()) {
      events.warning(backup, "DeleteFailed", "could not read namespace " + namespace + " to tell whether it is being "
          + "deleted (its archives are kept then); archive " + id + " kept, retrying");
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_AFTER_FAILURE);
    }
    if (namespaceGoing.get()) {
      // Backups survive the loss of their objects: only an explicit delete of the Backup deletes its archive.
      log.info("namespace {} is being deleted or is gone: Backup {}/{} goes, its archive {} is kept (archive recovery "
          + "recreates a Backup for it in the recovery namespace)", namespace, namespace, backup.getMetadata().getName(),
          id);
      return DeleteControl.defaultDelete();
    }
    List<String> waitingFor = inUse(backup, id, restores);
    if (!waitingFor.isEmpty()) {
      events.warning(backup, "DeletionWaiting", "archive kept while " + String.join("; and while ", waitingFor));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(BackupReconciler.WAIT_WHILE_IN_USE);
    }
    return id == null ? DeleteControl.defaultDelete() : deleteArchive(backup, id);
  }

  /** What the archive is kept for, as the Warning Event says it; empty when nothing needs it. */
  private static List<String> inUse(Backup backup, String id, Restores restores) {
    List<String> waitingFor = new ArrayList<>();
    String namespace = backup.getMetadata().getNamespace();
    List<String> restoresOfIt = restores.matching(restore -> !RestoreReferences.isFinished(restore)
            && namespace.equals(restore.getMetadata().getNamespace()) && RestoreReferences.refersTo(restore, backup))
        .map(restore -> restore.getMetadata().getName())
        .toList();
    if (!restoresOfIt.isEmpty()) {
      waitingFor.add("restore " + String.join(", ", restoresOfIt) + " of it runs");
    }
    // A restore's safety snapshot is an archive too (recovered as a Backup): while the restore has not finished, it
    // is what the restore rolls back to.
    List<String> rollingBackToIt = id == null ? List.of() : restores.matching(restore ->
            !RestoreReferences.isFinished(restore) && restore.getStatus() != null
                && id.equals(restore.getStatus().safetySnapshotId()))
        .map(restore -> restore.getMetadata().getNamespace() + "/" + restore.getMetadata().getName())
        .sorted()
        .toList();
    if (!rollingBackToIt.isEmpty()) {
      waitingFor.add("restore " + String.join(", ", rollingBackToIt) + ", which rolls back to it if it fails, has "
          + "not finished");
    }
    return waitingFor;
  }

  private DeleteControl deleteArchive(Backup backup, String id) {
    String recorded = backup.getStatus().storageLocation();
    try {
      StorageLocations.Resolved where;
      try {
        where = locations.forExistingBackup(recorded);
      } catch (StorageLocations.LocationException gone) {
        // The location is gone (or cannot be built): nothing the operator can delete there; the object goes.
        events.warning(backup, "ArchiveKept", gone.getMessage() + "; archive " + id + " is left where it is");
        return DeleteControl.defaultDelete();
      }
      if (where.location().readOnly()) {
        String message = "deleting archive " + id + " is refused: storage location " + where.name() + " is "
            + "ReadOnly, the operator never deletes from it. The finalizer stays; to drop only the object, remove "
            + "the finalizer backups.backup.dcos.io/finalizer by hand (kubectl patch), or make the location ReadWrite";
        events.warning(backup, "DeleteRefused", message);
        log.warn("{}", message);
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_WHILE_READ_ONLY);
      }
      if (located.delete(where.location(), id)) {
        log.info("deleted archive {} of backup {}/{} from {}", id, backup.getMetadata().getNamespace(),
            backup.getMetadata().getName(), where.location().where());
      }
    } catch (IOException e) {
      events.warning(backup, "DeleteFailed", "could not delete archive " + id + ": " + e.getMessage());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_AFTER_FAILURE);
    }
    return DeleteControl.defaultDelete();
  }

  /**
   * True when the namespace has a deletionTimestamp (Terminating: Kubernetes is deleting everything in it) or is
   * gone; empty when it cannot be read (then neither the archive nor the finalizer is given up).
   */
  private static Optional<Boolean> namespaceBeingDeleted(String namespace, KubernetesClient client) {
    try {
      Namespace found = client.namespaces().withName(namespace).get();
      return Optional.of(found == null || found.getMetadata().getDeletionTimestamp() != null
          || (found.getStatus() != null && "Terminating".equals(found.getStatus().getPhase())));
    } catch (KubernetesClientException e) {
      log.warn("could not read namespace {}: {}", namespace, Failures.message(e));
      return Optional.empty();
    }
  }
}
