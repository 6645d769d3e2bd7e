package io.dcos.backup.reconciler;

import io.dcos.backup.control.LogContext;
import io.dcos.backup.control.Times;
import io.dcos.backup.control.Failures;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.control.OperationMetrics;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.StatusWriter;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreRecord;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.LocatedArchives;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.control.OperationQueue.Operation;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a Backup: observe (status, queued operation, restores) → validate (label) → act (queue the backup) → write
 * status when it changed. Terminal Backups are never run again; only their `restores` list follows their Restores.
 */
@ControllerConfiguration(name = "backup")
public final class BackupReconciler implements Reconciler<Backup>, Cleaner<Backup> {
  private static final Logger log = LoggerFactory.getLogger(BackupReconciler.class);
  static final Duration POLL_WHILE_RUNNING = Duration.ofSeconds(5);
  /** How soon a deletion that waits for a running backup or a restore, or a wait for a cluster, looks again. */
  static final Duration WAIT_WHILE_IN_USE = Duration.ofSeconds(2);

  private final ClusterResolver clusters;
  private final StorageLocations locations;
  private final BackupCleanup cleanup;
  /** The backup directory, where every cluster's archives are kept. */
  private final ArchiveStore shared;
  private final OperationQueue queue;
  private final EventRecorder events;
  private final Clock clock;
  private final OperationMetrics metrics;
  private final StatusWriter statusWriter;
  private final SimpleInboundEventSource<Backup> operationEvents = new SimpleInboundEventSource<>("backup-operations");
  private InformerEventSource<Restore, Backup> restores;

  public BackupReconciler(BackupService service, OperationQueue queue, EventRecorder events, OperationMetrics metrics,
      Clock clock) {
    this(service, StorageLocations.backupDirectoryOnly(service), queue, events, metrics, clock,
        StatusWriter.OPTIMISTIC);
  }

  public BackupReconciler(BackupService service, StorageLocations locations, OperationQueue queue,
      EventRecorder events, OperationMetrics metrics, Clock clock) {
    this(service, locations, queue, events, metrics, clock, StatusWriter.OPTIMISTIC);
  }

  BackupReconciler(BackupService service, OperationQueue queue, EventRecorder events, OperationMetrics metrics,
      Clock clock,
      StatusWriter statusWriter) {
    this(service, StorageLocations.backupDirectoryOnly(service), queue, events, metrics, clock, statusWriter);
  }

  BackupReconciler(BackupService service, StorageLocations locations, OperationQueue queue, EventRecorder events,
      OperationMetrics metrics, Clock clock, StatusWriter statusWriter) {
    this(ClusterResolver.single(service), locations, new LocatedArchives(service), service.store(), queue, events,
        metrics, clock, statusWriter);
  }

  /**
   * Backups of every MarathonCluster in {@code clusters}; {@code clusterNamespace} is where their objects live.
   * {@code archives} is the operator's own service (the backup directory every cluster's archives are made in).
   */
  public BackupReconciler(MarathonClusters clusters, String clusterNamespace, BackupService archives,
      StorageLocations locations, OperationQueue queue, EventRecorder events, OperationMetrics metrics, Clock clock) {
    this(new ClusterResolver(clusters, clusterNamespace), locations, new LocatedArchives(archives), archives.store(),
        queue, events, metrics, clock, StatusWriter.OPTIMISTIC);
  }

  private BackupReconciler(ClusterResolver clusters, StorageLocations locations, LocatedArchives located,
      ArchiveStore shared, OperationQueue queue, EventRecorder events, OperationMetrics metrics, Clock clock,
      StatusWriter statusWriter) {
    this.clusters = clusters;
    this.locations = locations;
    this.cleanup = new BackupCleanup(queue, locations, located, events);
    this.shared = shared;
    this.queue = queue;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.statusWriter = statusWriter;
  }

  @Override
  public List<EventSource<?, Backup>> prepareEventSources(EventSourceContext<Backup> context) {
    var configuration = InformerEventSourceConfiguration.from(Restore.class, Backup.class)
        .withSecondaryToPrimaryMapper((Restore restore) -> backupsOf(restore, context))
        .build();
    restores = new InformerEventSource<>(configuration, context);
    return List.of(restores, operationEvents);
  }

  private static Set<ResourceID> backupsOf(Restore restore, EventSourceContext<Backup> context) {
    Set<ResourceID> found = context.getPrimaryCache()
        .list(restore.getMetadata().getNamespace(), backup -> RestoreReferences.refersTo(restore, backup))
        .map(ResourceID::fromResource)
        .collect(Collectors.toCollection(java.util.HashSet::new));
    // Named but not in the cache yet: its event comes when it is.
    if (restore.getSpec() != null && restore.getSpec().backupName() != null) {
      found.add(new ResourceID(restore.getSpec().backupName(), restore.getMetadata().getNamespace()));
    }
    return found;
  }

  @Override
  public UpdateControl<Backup> reconcile(Backup backup, Context<Backup> context) {
    try (LogContext ignored = LogContext.of(backup, backup.getStatus() == null ? null : backup.getStatus().id())) {
      return reconcileInContext(backup, context);
    }
  }

  private UpdateControl<Backup> reconcileInContext(Backup backup, Context<Backup> context) {
    BackupStatus current = backup.getStatus();
    List<RestoreRecord> restoreRecords = restoreRecords(backup);
    String key = operationKey(backup);
    if (current != null && current.phase() != null && current.phase().isTerminal()) {
      queue.forget(key);
      if (current.phase() == Phase.STATUS_READY) {
        // Every existing Backup is reconciled at startup: the gauge comes back without waiting for a new backup.
        // Completed then, or (recovered from the store, no completionTime) taken then.
        Times.parse(current.completionTime()).or(() -> Times.parse(current.timestamp()))
            .ifPresent(at -> metrics.backupReadyObserved(clusterOf(backup), at));
      }
      return patchIfChanged(context, backup, current,
          BackupStatusBuilder.withRestores(current, restoreRecords), UpdateControl.noUpdate());
    }
    if (current == null && backup.getMetadata().getAnnotations() != null
        && backup.getMetadata().getAnnotations().containsKey(ArchiveRecovery.ANNOTATION)) {
      // Created by ArchiveRecovery for an archive that exists: its status (READY, that archive's ID) follows.
      return UpdateControl.noUpdate();
    }
    BackupStatusBuilder next = BackupStatusBuilder.from(current, backup.getMetadata().getGeneration(), clock.instant())
        .restores(restoreRecords);
    var labelProblem = BackupLabels.validate(backup.getSpec() == null ? null : backup.getSpec().label());
    if (labelProblem.isPresent()) {
      String message = "invalid backup: " + labelProblem.get();
      return patchIfChanged(context, backup, current, failed(next.id(null), message, "InvalidLabel", null),
          UpdateControl.noUpdate());
    }
    if (queue.get(key).isEmpty()) {
      var resolution = clusters.resolve(backup.getSpec().clusterOrDefault(), backup.getMetadata().getNamespace(),
          context.getClient());
      if (resolution instanceof ClusterResolver.Refused refused) {
        return patchIfChanged(context, backup, current, failed(next, refused.message(), refused.reason(), null),
            UpdateControl.noUpdate());
      }
      if (resolution instanceof ClusterResolver.Waiting waiting) {
        BackupStatus wait = next.phase(Phase.STATUS_BACKING_UP).message(waiting.message())
            .running("WaitingForCluster", waiting.message()).build();
        return patchIfChanged(context, backup, current, wait,
            UpdateControl.<Backup>noUpdate().rescheduleAfter(WAIT_WHILE_IN_USE));
      }
    }
    if (current == null || current.id() == null) {
      // Persist the ID before anything runs, so a restarted operator resumes the same backup (same archive name).
      // Derived from the UID: a second pass on a stale cache computes the same one.
      String id = BackupLabels.backupIdFor(backup.getSpec().label(), backup.getMetadata().getUid());
      String accepted = "backup accepted; waiting to start";
      BackupStatus started = BackupStatusBuilder.from(null, backup.getMetadata().getGeneration(), clock.instant())
          .id(id).phase(Phase.STATUS_BACKING_UP).message(accepted).restores(restoreRecords)
          .running("Accepted", accepted).build();
      return patchIfChanged(context, backup, current, started,
          UpdateControl.<Backup>noUpdate().rescheduleAfter(Duration.ZERO));
    }
    Operation operation = queue.get(key).orElseGet(() -> submit(backup, current));
    BackupStatus after = switch (operation.state()) {
      case QUEUED -> next.phase(Phase.STATUS_BACKING_UP).message(queue.waitingMessage(key))
          .running("Queued", queue.waitingMessage(key)).build();
      case RUNNING -> next.phase(Phase.STATUS_BACKING_UP).message(operation.progress())
          .startTime(Times.precise(operation.startedAt())).running("BackingUp", operation.progress()).build();
      case SUCCEEDED -> next.finished((BackupJob.Placed) operation.result(), Times.precise(operation.startedAt()),
          Times.precise(operation.finishedAt())).build();
      case FAILED -> failed(next, Failures.message(operation.failure()), "BackupFailed", operation);
    };
    return patchIfChanged(context, backup, current, after, after.phase().isTerminal() ? UpdateControl.noUpdate()
        : UpdateControl.<Backup>noUpdate().rescheduleAfter(POLL_WHILE_RUNNING));
  }

  /** Queues the backup: {@link BackupJob} runs it when its turn comes. */
  private Operation submit(Backup backup, BackupStatus current) {
    if (current.startTime() != null) {
      log.info("backup {} was running when the operator stopped; running it again", current.id());
    }
    ResourceID resourceId = ResourceID.fromResource(backup);
    return queue.submit(backup.getSpec().clusterOrDefault(), operationKey(backup), "Backup "
            + backup.getMetadata().getNamespace() + "/" + backup.getMetadata().getName() + " (" + current.id() + ")",
        new BackupJob(clusters, locations, shared, backup, current.id()),
        () -> operationEvents.propagateEvent(resourceId));
  }

  /** Deleting a Backup deletes its archive once nothing needs it: see {@link BackupCleanup}. */
  @Override
  public DeleteControl cleanup(Backup backup, Context<Backup> context) {
    try (LogContext ignored = LogContext.of(backup, backup.getStatus() == null ? null : backup.getStatus().id())) {
      return cleanup.cleanup(backup, context.getClient(),
          matching -> restores == null ? Stream.empty() : restores.list(matching));
    }
  }

  private UpdateControl<Backup> patchIfChanged(Context<Backup> context, Backup backup, BackupStatus before,
      BackupStatus after, UpdateControl<Backup> otherwise) {
    if (Objects.equals(before, after)) {
      return otherwise;
    }
    backup.setStatus(after);
    statusWriter.write(context, backup);
    announce(backup, before, after);
    return otherwise;
  }

  private void announce(Backup backup, BackupStatus before, BackupStatus after) {
    Phase from = before == null ? null : before.phase();
    if (from == after.phase()) {
      return;
    }
    String name = backup.getMetadata().getNamespace() + "/" + backup.getMetadata().getName();
    switch (after.phase()) {
      case STATUS_BACKING_UP -> events.normal(backup, "BackingUp", "backup " + after.id() + " started");
      case STATUS_READY -> {
        events.normal(backup, "Ready", "backup " + after.id() + " is ready: " + after.znodes() + " znodes, "
            + after.bytes() + " bytes");
        metrics.backupSucceeded(clusterOf(backup), Times.between(after.startTime(), after.completionTime()), after.bytes(),
            after.znodes(), Duration.ofMillis(Math.round(after.marathonLeaderlessSeconds() * 1000)), clock.instant());
      }
      case STATUS_ERROR -> {
        events.warning(backup, "Failed", after.message());
        metrics.backupFailed(clusterOf(backup), Times.between(after.startTime(), after.completionTime()));
      }
      default -> { }
    }
    log.info("backup {} {} -> {}{}", name, from, after.phase(),
        after.phase() == Phase.STATUS_ERROR ? ": " + after.message() : "");
  }

  private BackupStatus failed(BackupStatusBuilder next, String message, String reason, Operation operation) {
    if (operation != null && operation.startedAt() != null) {
      next.startTime(Times.precise(operation.startedAt()));
    }
    return next
        .phase(Phase.STATUS_ERROR)
        .message(message)
        .completionTime(operation != null && operation.finishedAt() != null ? Times.precise(operation.finishedAt())
            : Times.format(clock.instant()))
        .failed(reason, message)
        .build();
  }

  /** The Restores of this Backup, as its status lists them. */
  private List<RestoreRecord> restoreRecords(Backup backup) {
    return restores == null ? null : BackupStatusBuilder.restoreRecords(restores.list(
        backup.getMetadata().getNamespace(), restore -> RestoreReferences.refersTo(restore, backup)));
  }

  private static String clusterOf(Backup backup) {
    return backup.getSpec() == null ? io.dcos.backup.api.MarathonCluster.DEFAULT_NAME
        : backup.getSpec().clusterOrDefault();
  }

  static String operationKey(io.fabric8.kubernetes.api.model.HasMetadata resource) {
    return resource.getKind() + "/" + resource.getMetadata().getUid();
  }
}
