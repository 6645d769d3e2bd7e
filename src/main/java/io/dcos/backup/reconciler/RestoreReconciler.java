package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.api.RestoreStatus;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterProbe;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.reconciler.Conditions.Stage;
import io.dcos.backup.reconciler.OperationQueue.Operation;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a Restore: resolve and check its backup → persist the plan (backup ID, safety snapshot ID) → queue the
 * restore → write the outcome. Terminal Restores are never run again, so re-applied YAML changes nothing.
 */
@ControllerConfiguration(name = "restore")
public final class RestoreReconciler implements Reconciler<Restore> {
  private static final Logger log = LoggerFactory.getLogger(RestoreReconciler.class);

  private final ClusterResolver clusters;
  private final StorageLocations locations;
  /** The backup directory, where every cluster's archives are kept. */
  private final ArchiveStore shared;
  private final OperationQueue queue;
  private final EventRecorder events;
  private final Clock clock;
  private final OperationMetrics metrics;
  private final StatusWriter statusWriter;
  private final SimpleInboundEventSource<Restore> operationEvents =
      new SimpleInboundEventSource<>("restore-operations");
  private InformerEventSource<Backup, Restore> backups;

  public RestoreReconciler(BackupService service, OperationQueue queue, EventRecorder events,
      OperationMetrics metrics, Clock clock) {
    this(service, StorageLocations.backupDirectoryOnly(service), queue, events, metrics, clock,
        StatusWriter.OPTIMISTIC);
  }

  public RestoreReconciler(BackupService service, StorageLocations locations, OperationQueue queue,
      EventRecorder events, OperationMetrics metrics, Clock clock) {
    this(service, locations, queue, events, metrics, clock, StatusWriter.OPTIMISTIC);
  }

  RestoreReconciler(BackupService service, OperationQueue queue, EventRecorder events,
      OperationMetrics metrics, Clock clock,
      StatusWriter statusWriter) {
    this(service, StorageLocations.backupDirectoryOnly(service), queue, events, metrics, clock, statusWriter);
  }

  RestoreReconciler(BackupService service, StorageLocations locations, OperationQueue queue, EventRecorder events,
      OperationMetrics metrics, Clock clock, StatusWriter statusWriter) {
    this(ClusterResolver.single(service), locations, service.store(), queue, events, metrics, clock, statusWriter);
  }

  /** Restores into every MarathonCluster in {@code clusters}; {@code clusterNamespace} is where their objects live. */
  public RestoreReconciler(MarathonClusters clusters, String clusterNamespace, BackupService archives,
      StorageLocations locations, OperationQueue queue, EventRecorder events, OperationMetrics metrics, Clock clock) {
    this(new ClusterResolver(clusters, clusterNamespace), locations, archives.store(), queue, events, metrics, clock,
        StatusWriter.OPTIMISTIC);
  }

  private RestoreReconciler(ClusterResolver clusters, StorageLocations locations, ArchiveStore shared,
      OperationQueue queue, EventRecorder events, OperationMetrics metrics, Clock clock, StatusWriter statusWriter) {
    this.clusters = clusters;
    this.locations = locations;
    this.shared = shared;
    this.queue = queue;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.statusWriter = statusWriter;
  }

  @Override
  public List<EventSource<?, Restore>> prepareEventSources(EventSourceContext<Restore> context) {
    // A Restore waiting for its Backup must hear when that Backup becomes ready.
    var configuration = InformerEventSourceConfiguration.from(Backup.class, Restore.class)
        .withSecondaryToPrimaryMapper((Backup backup) -> context.getPrimaryCache()
            .list(backup.getMetadata().getNamespace(), restore -> refersTo(restore.getSpec(), backup))
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .build();
    backups = new InformerEventSource<>(configuration, context);
    return List.of(backups, operationEvents);
  }

  private static boolean refersTo(RestoreSpec spec, Backup backup) {
    if (spec == null) {
      return false;
    }
    return backup.getMetadata().getName().equals(spec.backupName())
        || (spec.backupId() != null && backup.getStatus() != null && spec.backupId().equals(backup.getStatus().id()));
  }

  @Override
  public UpdateControl<Restore> reconcile(Restore restore, Context<Restore> context) {
    try (LogContext ignored = LogContext.of(restore, restore.getStatus() == null ? null
        : restore.getStatus().backupId())) {
      return reconcileInContext(restore, context);
    }
  }

  private UpdateControl<Restore> reconcileInContext(Restore restore, Context<Restore> context) {
    RestoreStatus current = restore.getStatus();
    Long generation = restore.getMetadata().getGeneration();
    String key = BackupReconciler.operationKey(restore);
    if (current != null && current.phase() != null && current.phase().isTerminal()) {
      queue.forget(key);
      return UpdateControl.noUpdate();
    }
    if (current == null || current.safetySnapshotId() == null) {
      return plan(context, restore, current, generation);
    }

    Operation operation = queue.get(key).orElse(null);
    String namespace = restore.getMetadata().getNamespace();
    String target = restore.getSpec() == null ? MarathonCluster.DEFAULT_NAME : restore.getSpec().target();
    if (operation == null) {
      ClusterResolver.Resolution resolution = clusters.resolve(target, namespace, context.getClient());
      if (resolution instanceof ClusterResolver.Refused refused) {
        return patchIfChanged(context, restore, current, failed(current, generation, refused.reason(),
            refused.message()), null);
      }
      if (resolution instanceof ClusterResolver.Waiting waiting) {
        return patchIfChanged(context, restore, current, running(current, generation, "WaitingForCluster",
            waiting.message()), BackupReconciler.WAIT_WHILE_IN_USE);
      }
      String backupId = current.backupId();
      String safetyId = current.safetySnapshotId();
      ResourceID resourceId = ResourceID.fromResource(restore);
      BackupService.RestoreOptions options = new BackupService.RestoreOptions(
          restore.getSpec() != null && restore.getSpec().allowsStorageVersionChange());
      announceResume(restore, safetyId, ((ClusterResolver.Usable) resolution).cluster().service());
      Optional<Backup> recorded = recordedBackup(context, namespace, backupId);
      String recordedLocation = recorded.map(Backup::getStatus).map(status -> status.storageLocation()).orElse(null);
      String sourceCluster = recorded.map(b -> b.getSpec() == null ? MarathonCluster.DEFAULT_NAME
          : b.getSpec().clusterOrDefault()).orElse(restore.getSpec().clusterOrDefault());
      String archivedVersion = recorded.map(Backup::getStatus).map(status -> status.storageVersion()).orElse(null);
      operation = queue.submit(target, key, "Restore " + namespace + "/"
              + restore.getMetadata().getName() + " (of " + backupId + ")",
          progress -> {
            MarathonClusters.Cluster cluster = clusters.atRunTime(target, namespace, "restore");
            if (!target.equals(sourceCluster)) {
              refuseMigrationAcrossStorageVersions(cluster, sourceCluster, backupId, archivedVersion, progress);
            }
            StorageLocations.Resolved where;
            try {
              where = locations.forExistingBackup(recordedLocation);
            } catch (IOException e) {
              throw new OperationFailedException("restore failed: " + e.getMessage() + "; nothing was written to "
                  + "ZooKeeper", e);
            }
            return new ClusterArchives(cluster.service(), shared).restore(where.location(), backupId, safetyId,
                options, progress);
          },
          () -> operationEvents.propagateEvent(resourceId));
    }
    RestoreStatus next = switch (operation.state()) {
      case QUEUED -> running(current, generation, "Queued", queue.waitingMessage(key));
      case RUNNING -> withTimes(running(current, generation, "Restoring", operation.progress()), operation);
      case SUCCEEDED -> withTimes(succeeded(current, generation, (RestoreOutcome) operation.result()), operation);
      case FAILED -> withTimes(failed(current, generation, "RestoreFailed",
          BackupReconciler.failureMessage(operation.failure())), operation);
    };
    return patchIfChanged(context, restore, current, next, next.phase().isTerminal() ? null : BackupReconciler.POLL_WHILE_RUNNING);
  }

  /**
   * A restore into another Marathon than the backup's (spec.targetCluster) is a migration: refused unless the
   * target's live storage version is the archive's, whatever spec.allowStorageVersionChange says.
   */
  private static void refuseMigrationAcrossStorageVersions(MarathonClusters.Cluster target, String source,
      String backupId, String archived, io.dcos.backup.engine.ProgressListener progress)
      throws OperationFailedException, InterruptedException {
    progress.progress("migration from MarathonCluster " + source + " to " + target.name() + ": comparing storage "
        + "versions");
    Optional<StorageVersion> live;
    try {
      live = ClusterProbe.liveStorageVersion(target.service().config());
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new OperationFailedException("restore failed: could not read the storage version of MarathonCluster "
          + target.name() + ": " + BackupReconciler.failureMessage(e) + "; nothing was written to ZooKeeper", e);
    }
    String liveText = live.map(StorageVersion::toString).orElse(Manifest.NO_STORAGE_VERSION);
    if (archived == null || !archived.equals(liveText)) {
      throw new OperationFailedException("restore refused: backup " + backupId + " of MarathonCluster " + source
          + " has storage version " + (archived == null ? "(not recorded)" : archived) + ", MarathonCluster "
          + target.name() + " has " + liveText + "; a migration between Marathons needs the same storage version "
          + "(upgrade or downgrade one Marathon first); nothing was written to ZooKeeper");
    }
  }

  /** A Restore whose sentinel is in Marathon's state was interrupted (the operator died): say that it resumes. */
  private void announceResume(Restore restore, String safetyId, BackupService service) {
    try {
      service.guarded().filter(g -> safetyId.equals(g.safetySnapshotId())).ifPresent(g -> {
        String message = "resuming " + (g.rollback() ? "the rollback to " + safetyId : "the restore of " + g.backupId())
            + " after the operator stopped during it; until it ends Marathon's state holds the storage-version "
            + "sentinel, so no Marathon runs on the half-written state";
        log.warn("restore {}/{}: {}", restore.getMetadata().getNamespace(), restore.getMetadata().getName(), message);
        events.warning(restore, "Resuming", message);
      });
    } catch (Exception e) {
      log.debug("could not read Marathon's storage version: {}", BackupReconciler.failureMessage(e));
    }
  }

  /** Checks the backup, then records what will be restored and where the live state will be saved first. */
  private UpdateControl<Restore> plan(Context<Restore> context, Restore restore, RestoreStatus current,
      Long generation) {
    RestoreSpec spec = restore.getSpec();
    String namespace = restore.getMetadata().getNamespace();
    String reference = spec == null ? null : spec.backupName() != null ? "Backup object \"" + spec.backupName()
        + "\"" : "backup " + spec.backupId();
    if (spec == null || (spec.backupId() == null) == (spec.backupName() == null)) {
      return patchIfChanged(context, restore, current,
          failed(current, generation, "InvalidSpec", "exactly one of spec.backupId or spec.backupName must be set"),
          null);
    }
    if (spec.backupId() != null && !BackupLabels.isBackupId(spec.backupId())) {
      return patchIfChanged(context, restore, current, failed(current, generation, "InvalidSpec",
          "spec.backupId \"" + spec.backupId() + "\" is not a backup ID (<label>-<uuid>)"), null);
    }
    Optional<Backup> backup = findBackup(namespace, spec).or(() -> findBackupLive(context, namespace, spec));
    if (backup.isEmpty()) {
      return patchIfChanged(context, restore, current, failed(current, generation, "BackupNotFound",
          reference + " not found in namespace " + namespace), null);
    }
    var backupStatus = backup.get().getStatus();
    Phase backupPhase = backupStatus == null || backupStatus.phase() == null ? Phase.STATUS_UNKNOWN
        : backupStatus.phase();
    if (backupPhase == Phase.STATUS_ERROR) {
      return patchIfChanged(context, restore, current, failed(current, generation, "BackupFailed",
          reference + " failed, there is nothing to restore: " + backupStatus.message()), null);
    }
    if (backupPhase != Phase.STATUS_READY) {
      String message = "waiting for " + reference + " to be STATUS_READY (it is " + backupPhase + ")";
      return patchIfChanged(context, restore, current, running(current, generation, "WaitingForBackup", message),
          BackupReconciler.POLL_WHILE_RUNNING);
    }
    String backupCluster = backup.get().getSpec() == null ? MarathonCluster.DEFAULT_NAME
        : backup.get().getSpec().clusterOrDefault();
    if (!spec.clusterOrDefault().equals(backupCluster)) {
      return patchIfChanged(context, restore, current, failed(current, generation, "ClusterMismatch",
          reference + " was taken from MarathonCluster " + backupCluster + ", not " + spec.clusterOrDefault()
              + " (spec.cluster); to restore it into " + spec.clusterOrDefault() + " set spec.cluster: " + backupCluster
              + " and spec.targetCluster: " + spec.clusterOrDefault() + " (a migration); nothing was touched"), null);
    }
    Optional<MarathonClusters.Cluster> source = clusters.clusters().get(backupCluster);
    if (source.isPresent() && !source.get().allows(namespace)) {
      return patchIfChanged(context, restore, current, failed(current, generation, "ClusterNotAllowed",
          ClusterResolver.notAllowed(namespace, backupCluster)), null);
    }
    String backupId = backupStatus.id();
    try {
      StorageLocations.Resolved where = locations.forExistingBackup(backupStatus.storageLocation());
      if (where.location().manifest(backupId).isEmpty()) {
        return patchIfChanged(context, restore, current, failed(current, generation, "ArchiveMissing",
            "the archive of backup " + backupId + " is missing from " + (where.location().primary()
                ? "the backup directory" : where.location().where())), null);
      }
    } catch (IOException e) {
      return patchIfChanged(context, restore, current, failed(current, generation, "ArchiveUnreadable",
          "the archive of backup " + backupId + " cannot be read: " + e.getMessage()
              + "; nothing was written to ZooKeeper"), null);
    }
    // Derived from the UID: a second pass on a stale cache plans the very same safety snapshot.
    String safetyId = BackupLabels.backupIdFor(BackupService.SAFETY_LABEL, restore.getMetadata().getUid());
    RestoreStatus planned = new RestoreStatus(Phase.STATUS_RESTORING, ComponentStatus.marathon(Phase.STATUS_RESTORING),
        backupId, null, null, "restore of " + backupId + " accepted; waiting to start", null,
        safetyId, null,
        Conditions.lifecycle(current == null ? null : current.conditions(), Stage.RUNNING, "Accepted",
            "restore of " + backupId + " accepted", generation, clock.instant()),
        generation);
    return patchIfChanged(context, restore, current, planned, Duration.ZERO);
  }

  /** The Backup with this ID (cache, else the API): its storage location (none: the backup directory), cluster. */
  private Optional<Backup> recordedBackup(Context<Restore> context, String namespace, String backupId) {
    RestoreSpec byId = new RestoreSpec(backupId, null);
    try {
      return findBackup(namespace, byId).or(() -> findBackupLive(context, namespace, byId));
    } catch (RuntimeException e) {
      log.warn("could not read the Backup of {}: {}", backupId, BackupReconciler.failureMessage(e));
      return Optional.empty();
    }
  }

  private Optional<Backup> findBackup(String namespace, RestoreSpec spec) {
    if (spec.backupName() != null) {
      return backups.get(new ResourceID(spec.backupName(), namespace));
    }
    return backups.list(namespace, backup -> backup.getStatus() != null
        && spec.backupId().equals(backup.getStatus().id())).findFirst();
  }

  /**
   * "Not found" ends the Restore, so the informer cache alone must not decide it: a Backup created a moment before
   * the Restore (one `kubectl apply` of both, one GitOps sync) may not be in it yet. Asked only on that path.
   */
  private static Optional<Backup> findBackupLive(Context<Restore> context, String namespace, RestoreSpec spec) {
    var inNamespace = context.getClient().resources(Backup.class).inNamespace(namespace);
    if (spec.backupName() != null) {
      return Optional.ofNullable(inNamespace.withName(spec.backupName()).get());
    }
    return inNamespace.list().getItems().stream()
        .filter(backup -> backup.getStatus() != null && spec.backupId().equals(backup.getStatus().id()))
        .findFirst();
  }

  private static RestoreStatus withTimes(RestoreStatus status, Operation operation) {
    return new RestoreStatus(status.phase(), status.componentStatus(), status.backupId(),
        operation.startedAt() == null ? status.startTime() : Times.precise(operation.startedAt()),
        operation.finishedAt() == null ? status.completionTime() : Times.precise(operation.finishedAt()),
        status.message(), status.znodes(), status.safetySnapshotId(), status.marathonLeaderlessSeconds(),
        status.conditions(), status.observedGeneration(), status.preCopy(), status.znodesWritten(),
        status.znodesDeleted());
  }


  private RestoreStatus running(RestoreStatus current, Long generation, String reason, String message) {
    RestoreStatus base = current != null ? current : new RestoreStatus(null, null, null, null, null, null, null, null,
        null, null, null);
    return new RestoreStatus(Phase.STATUS_RESTORING, ComponentStatus.marathon(Phase.STATUS_RESTORING),
        base.backupId(), base.startTime(), null, message, null, base.safetySnapshotId(), null,
        Conditions.lifecycle(base.conditions(), Stage.RUNNING, reason, message, generation, clock.instant()),
        generation);
  }

  private RestoreStatus succeeded(RestoreStatus current, Long generation, RestoreOutcome outcome) {
    double leaderless = BackupReconciler.seconds(outcome.marathonLeaderless());
    String message = OutcomeMessages.ready(outcome);
    RestoreOutcome.Written written = outcome.written();
    return new RestoreStatus(Phase.STATUS_READY, ComponentStatus.marathon(Phase.STATUS_READY), current.backupId(),
        current.startTime(), Times.format(clock.instant()), message, outcome.znodes(), current.safetySnapshotId(),
        leaderless,
        Conditions.lifecycle(current.conditions(), Stage.READY, "Restored", message, generation, clock.instant()),
        generation, written == null ? null : BackupReconciler.preCopyStatus(written.preCopy()),
        written == null ? null : written.znodesWritten(), written == null ? null : written.znodesDeleted());
  }

  private RestoreStatus failed(RestoreStatus current, Long generation, String reason, String message) {
    RestoreStatus base = current != null ? current : new RestoreStatus(null, null, null, null, null, null, null, null,
        null, null, null);
    return new RestoreStatus(Phase.STATUS_ERROR, ComponentStatus.marathon(Phase.STATUS_ERROR), base.backupId(),
        base.startTime(), Times.format(clock.instant()), message, null, base.safetySnapshotId(), null,
        Conditions.lifecycle(base.conditions(), Stage.FAILED, reason, message, generation, clock.instant()),
        generation);
  }

  private UpdateControl<Restore> patchIfChanged(Context<Restore> context, Restore restore, RestoreStatus before,
      RestoreStatus after, Duration rescheduleAfter) {
    if (!Objects.equals(before, after)) {
      restore.setStatus(after);
      statusWriter.write(context, restore);
      announce(restore, before, after);
    }
    return rescheduleAfter == null ? UpdateControl.noUpdate()
        : UpdateControl.<Restore>noUpdate().rescheduleAfter(rescheduleAfter);
  }

  private static String targetOf(Restore restore) {
    return restore.getSpec() == null ? MarathonCluster.DEFAULT_NAME : restore.getSpec().target();
  }

  private void announce(Restore restore, RestoreStatus before, RestoreStatus after) {
    Phase from = before == null ? null : before.phase();
    if (from == after.phase()) {
      return;
    }
    switch (after.phase()) {
      case STATUS_RESTORING -> events.normal(restore, "Restoring", after.message());
      case STATUS_READY -> {
        events.normal(restore, "Restored", after.message());
        if (after.message() != null && after.message().contains("allowed by spec.allowStorageVersionChange")) {
          events.warning(restore, "StorageVersionChangeAllowed", after.message());
        }
        metrics.restoreSucceeded(targetOf(restore), Times.between(after.startTime(), after.completionTime()),
            Duration.ofMillis(Math.round(after.marathonLeaderlessSeconds() * 1000)), clock.instant());
      }
      case STATUS_ERROR -> {
        events.warning(restore, "Failed", after.message());
        metrics.restoreFailed(targetOf(restore), Times.between(after.startTime(), after.completionTime()));
      }
      default -> { }
    }
    log.info("restore {}/{} {} -> {}{}", restore.getMetadata().getNamespace(), restore.getMetadata().getName(), from,
        after.phase(), after.phase() == Phase.STATUS_ERROR ? ": " + after.message() : "");
  }

}
