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
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreStatus;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.control.OperationQueue.Operation;
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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
  private final RestorePlanner planner;
  private BackupLookup backups;

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
    this.planner = new RestorePlanner(clusters, locations);
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
            .list(backup.getMetadata().getNamespace(), restore -> RestoreReferences.refersTo(restore, backup))
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .build();
    InformerEventSource<Backup, Restore> cache = new InformerEventSource<>(configuration, context);
    backups = new BackupLookup(cache);
    return List.of(cache, operationEvents);
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
    String key = BackupReconciler.operationKey(restore);
    if (current != null && current.phase() != null && current.phase().isTerminal()) {
      queue.forget(key);
      return UpdateControl.noUpdate();
    }
    if (current == null || current.safetySnapshotId() == null) {
      return plan(context, restore, current);
    }

    Operation operation = queue.get(key).orElse(null);
    String namespace = restore.getMetadata().getNamespace();
    String target = restore.getSpec() == null ? MarathonCluster.DEFAULT_NAME : restore.getSpec().target();
    if (operation == null) {
      ClusterResolver.Resolution resolution = clusters.resolve(target, namespace, context.getClient());
      if (resolution instanceof ClusterResolver.Refused refused) {
        return patchIfChanged(context, restore, current, next(restore).failed(refused.reason(),
            refused.message()).build(), null);
      }
      if (resolution instanceof ClusterResolver.Waiting waiting) {
        return patchIfChanged(context, restore, current, next(restore).running("WaitingForCluster",
            waiting.message()).build(), BackupReconciler.WAIT_WHILE_IN_USE);
      }
      announceResume(restore, current.safetySnapshotId(), ((ClusterResolver.Usable) resolution).cluster().service());
      Optional<Backup> recorded = backups.withId(namespace, current.backupId(), context.getClient());
      ResourceID resourceId = ResourceID.fromResource(restore);
      operation = queue.submit(target, key, "Restore " + namespace + "/" + restore.getMetadata().getName()
              + " (of " + current.backupId() + ")", new RestoreJob(clusters, locations, shared, restore, recorded),
          () -> operationEvents.propagateEvent(resourceId));
    }
    RestoreStatusBuilder next = next(restore);
    switch (operation.state()) {
      case QUEUED -> next.running("Queued", queue.waitingMessage(key));
      case RUNNING -> withTimes(next.running("Restoring", operation.progress()), operation);
      case SUCCEEDED -> withTimes(next.restored((RestoreOutcome) operation.result()), operation);
      case FAILED -> withTimes(next.failed("RestoreFailed", Failures.message(operation.failure())),
          operation);
    }
    RestoreStatus after = next.build();
    RestoreOutcome outcome = operation.state() == OperationQueue.State.SUCCEEDED
        ? (RestoreOutcome) operation.result() : null;
    return patchIfChanged(context, restore, current, after,
        after.phase().isTerminal() ? null : BackupReconciler.POLL_WHILE_RUNNING, outcome);
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
      log.debug("could not read Marathon's storage version: {}", Failures.message(e));
    }
  }

  /** Resolves and checks the backup, then records what will be restored and where the live state is saved first. */
  private UpdateControl<Restore> plan(Context<Restore> context, Restore restore, RestoreStatus current) {
    RestorePlanner.Plan plan = planner.plan(restore, backups, context.getClient());
    if (plan instanceof RestorePlanner.Refused refused) {
      return patchIfChanged(context, restore, current, refused(restore, refused), null);
    }
    if (plan instanceof RestorePlanner.WaitingForBackup waiting) {
      return patchIfChanged(context, restore, current, next(restore).running("WaitingForBackup", waiting.message())
          .build(), BackupReconciler.POLL_WHILE_RUNNING);
    }
    var planned = (RestorePlanner.Planned) plan;
    String backupId = planned.backupId();
    RestoreStatus accepted = next(restore).running("Accepted", "restore of " + backupId + " accepted")
        .message("restore of " + backupId + " accepted; waiting to start")
        .backupId(backupId).safetySnapshotId(planned.safetyId()).startTime(null).build();
    return patchIfChanged(context, restore, current, accepted, Duration.ZERO);
  }

  /** The next status, starting from the current one. */
  private RestoreStatusBuilder next(Restore restore) {
    return RestoreStatusBuilder.from(restore.getStatus(), restore.getMetadata().getGeneration(), clock.instant());
  }

  /** Refused before anything ran; status.backupId names the backup once it was resolved. */
  private RestoreStatus refused(Restore restore, RestorePlanner.Refused refused) {
    RestoreStatusBuilder next = next(restore).failed(refused.reason(), refused.message());
    return (refused.backupId() == null ? next : next.backupId(refused.backupId())).build();
  }

  /** The operation's own start and end, once it has them. */
  private static void withTimes(RestoreStatusBuilder next, Operation operation) {
    if (operation.startedAt() != null) {
      next.startTime(Times.precise(operation.startedAt()));
    }
    if (operation.finishedAt() != null) {
      next.completionTime(Times.precise(operation.finishedAt()));
    }
  }

  private UpdateControl<Restore> patchIfChanged(Context<Restore> context, Restore restore, RestoreStatus before,
      RestoreStatus after, Duration rescheduleAfter) {
    return patchIfChanged(context, restore, before, after, rescheduleAfter, null);
  }

  /** {@code outcome}: the finished restore's, when {@code after} is its status; else null. */
  private UpdateControl<Restore> patchIfChanged(Context<Restore> context, Restore restore, RestoreStatus before,
      RestoreStatus after, Duration rescheduleAfter, RestoreOutcome outcome) {
    if (!Objects.equals(before, after)) {
      restore.setStatus(after);
      statusWriter.write(context, restore);
      announce(restore, before, after, outcome);
    }
    return rescheduleAfter == null ? UpdateControl.noUpdate()
        : UpdateControl.<Restore>noUpdate().rescheduleAfter(rescheduleAfter);
  }

  private static String targetOf(Restore restore) {
    return restore.getSpec() == null ? MarathonCluster.DEFAULT_NAME : restore.getSpec().target();
  }

  private void announce(Restore restore, RestoreStatus before, RestoreStatus after, RestoreOutcome outcome) {
    Phase from = before == null ? null : before.phase();
    if (from == after.phase()) {
      return;
    }
    switch (after.phase()) {
      case STATUS_RESTORING -> events.normal(restore, "Restoring", after.message());
      case STATUS_READY -> {
        events.normal(restore, "Restored", after.message());
        if (outcome != null && outcome.storageVersionChangeAllowed()) {
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
