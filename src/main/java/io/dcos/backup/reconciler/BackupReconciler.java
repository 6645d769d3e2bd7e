package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.PreCopyStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreRecord;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.engine.LocatedArchives;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.reconciler.OperationQueue.Operation;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.zookeeper.PreCopy;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
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
  /** How soon a deletion that waits for a running backup or a restore looks again. */
  static final Duration WAIT_WHILE_IN_USE = Duration.ofSeconds(2);
  static final Duration WAIT_AFTER_FAILURE = Duration.ofSeconds(10);
  /** A deletion refused by a ReadOnly location is looked at again this often (the location may become ReadWrite). */
  static final Duration WAIT_WHILE_READ_ONLY = Duration.ofMinutes(1);

  private final ClusterResolver clusters;
  private final StorageLocations locations;
  /** Deletes archives; backups go through the ClusterArchives of their cluster's service. */
  private final LocatedArchives located;
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
    this.located = located;
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

  /** A Restore names its Backup by object name, or by backup ID — which lives in the Backup's status. */
  private static Set<ResourceID> backupsOf(Restore restore, EventSourceContext<Backup> context) {
    String namespace = restore.getMetadata().getNamespace();
    var spec = restore.getSpec();
    if (spec == null) {
      return Set.of();
    }
    if (spec.backupName() != null) {
      return Set.of(new ResourceID(spec.backupName(), namespace));
    }
    String wanted = restore.getStatus() != null && restore.getStatus().backupId() != null
        ? restore.getStatus().backupId() : spec.backupId();
    return context.getPrimaryCache()
        .list(namespace, backup -> backup.getStatus() != null && Objects.equals(wanted, backup.getStatus().id()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  @Override
  public UpdateControl<Backup> reconcile(Backup backup, Context<Backup> context) {
    try (LogContext ignored = LogContext.of(backup, backup.getStatus() == null ? null : backup.getStatus().id())) {
      return reconcileInContext(backup, context);
    }
  }

  private UpdateControl<Backup> reconcileInContext(Backup backup, Context<Backup> context) {
    BackupStatus current = backup.getStatus();
    Long generation = backup.getMetadata().getGeneration();
    List<RestoreRecord> restoreRecords = restoreRecords(backup);

    String key = operationKey(backup);
    if (current != null && current.phase() != null && current.phase().isTerminal()) {
      queue.forget(key);
      if (current.phase() == Phase.STATUS_READY) {
        // Every existing Backup is reconciled at startup: the gauge comes back without waiting for a new backup.
        completedAt(current).ifPresent(at -> metrics.backupReadyObserved(clusterOf(backup), at));
      }
      return patchIfChanged(context, backup, current, withRestores(current, restoreRecords), UpdateControl.noUpdate());
    }

    if (current == null && backup.getMetadata().getAnnotations() != null
        && backup.getMetadata().getAnnotations().containsKey(ArchiveRecovery.ANNOTATION)) {
      // Created by ArchiveRecovery for an archive that exists: its status (READY, that archive's ID) follows.
      return UpdateControl.noUpdate();
    }
    var labelProblem = BackupLabels.validate(backup.getSpec() == null ? null : backup.getSpec().label());
    if (labelProblem.isPresent()) {
      BackupStatus failed = failed(current, null, "invalid backup: " + labelProblem.get(), "InvalidLabel", generation,
          restoreRecords, null);
      return patchIfChanged(context, backup, current, failed, UpdateControl.noUpdate());
    }

    String clusterName = backup.getSpec().clusterOrDefault();
    String namespace = backup.getMetadata().getNamespace();
    if (queue.get(key).isEmpty()) {
      ClusterResolver.Resolution resolution = clusters.resolve(clusterName, namespace, context.getClient());
      if (resolution instanceof ClusterResolver.Refused refused) {
        BackupStatus failed = failed(current, current == null ? null : current.id(), refused.message(),
            refused.reason(), generation, restoreRecords, null);
        return patchIfChanged(context, backup, current, failed, UpdateControl.noUpdate());
      }
      if (resolution instanceof ClusterResolver.Waiting waiting) {
        BackupStatus wait = status(current, current == null ? null : current.id(), Phase.STATUS_BACKING_UP,
            waiting.message(), generation, restoreRecords).running("WaitingForCluster", waiting.message()).build();
        return patchIfChanged(context, backup, current, wait,
            UpdateControl.<Backup>noUpdate().rescheduleAfter(WAIT_WHILE_IN_USE));
      }
    }

    if (current == null || current.id() == null) {
      // Persist the ID before anything runs, so a restarted operator resumes the same backup (same archive name).
      // Derived from the UID: a second pass on a stale cache computes the same one.
      String id = BackupLabels.backupIdFor(backup.getSpec().label(), backup.getMetadata().getUid());
      BackupStatus started = status(null, id, Phase.STATUS_BACKING_UP, "backup accepted; waiting to start",
          generation, restoreRecords).running("Accepted", "backup accepted; waiting to start").build();
      return patchIfChanged(context, backup, current, started, UpdateControl.<Backup>noUpdate().rescheduleAfter(Duration.ZERO));
    }

    Operation operation = queue.get(key).orElse(null);
    if (operation == null) {
      String id = current.id();
      String label = backup.getSpec().label();
      ResourceID resourceId = ResourceID.fromResource(backup);
      boolean resumed = current.message() != null && !current.message().startsWith("backup accepted");
      String wanted = backup.getSpec().storageLocation();
      BackupService.BackupOptions options = backup.getSpec().effectiveConsistency() == BackupSpec.Consistency.Online
          ? BackupService.BackupOptions.ONLINE : BackupService.BackupOptions.FENCED;
      operation = queue.submit(clusterName, key, "Backup " + namespace + "/" + backup.getMetadata()
              .getName() + " (" + id + ")",
          progress -> {
            // The cluster as it is when the backup's turn comes: it may have been deleted while this one waited.
            MarathonClusters.Cluster cluster = clusters.atRunTime(clusterName, namespace, "backup");
            // Resolved when the backup runs, from the API (not a cache): see StorageLocations.
            StorageLocations.Resolved where;
            try {
              where = locations.forNewBackup(wanted != null ? wanted : cluster.storageLocation());
            } catch (IOException e) {
              throw new OperationFailedException("backup failed: " + e.getMessage(), e);
            }
            BackupOutcome outcome = new ClusterArchives(cluster.service(), shared).backup(where.location(), id, label,
                options, progress);
            return new Placed(outcome, where.name(), where.location().objectKey(id),
                where.location().primary() && outcome.location() != null ? outcome.location().toString()
                    : where.location().describe(id), storedKeyId(where.location(), id));
          },
          () -> operationEvents.propagateEvent(resourceId));
      if (resumed) {
        log.info("backup {} was running when the operator stopped; running it again", id);
      }
    }

    BackupStatus next = switch (operation.state()) {
      case QUEUED -> status(current, current.id(), Phase.STATUS_BACKING_UP, queue.waitingMessage(key), generation,
          restoreRecords).running("Queued", queue.waitingMessage(key)).build();
      case RUNNING -> status(current, current.id(), Phase.STATUS_BACKING_UP, operation.progress(), generation,
          restoreRecords).withStart(Times.precise(operation.startedAt()))
          .running("BackingUp", operation.progress()).build();
      case SUCCEEDED -> succeeded(current, operation, generation, restoreRecords);
      case FAILED -> failed(current, current.id(), failureMessage(operation.failure()), "BackupFailed", generation,
          restoreRecords, operation);
    };
    UpdateControl<Backup> whileRunning = next.phase().isTerminal()
        ? UpdateControl.noUpdate()
        : UpdateControl.<Backup>noUpdate().rescheduleAfter(POLL_WHILE_RUNNING);
    return patchIfChanged(context, backup, current, next, whileRunning);
  }

  /**
   * Deleting a Backup deletes its archive — once nothing needs it — except when its namespace is being deleted: then
   * only the object goes, the archive stays and archive recovery recreates the Backup in its recovery namespace.
   */
  @Override
  public DeleteControl cleanup(Backup backup, Context<Backup> context) {
    try (LogContext ignored = LogContext.of(backup, backup.getStatus() == null ? null : backup.getStatus().id())) {
      return cleanupInContext(backup, context);
    }
  }

  private DeleteControl cleanupInContext(Backup backup, Context<Backup> context) {
    String key = operationKey(backup);
    // forget() cancels a queued backup and drops a finished one in one step; a running one cannot be taken back.
    // (Asking isRunning() first left a gap: a queued backup that started in between kept running without its
    // finalizer, and its archive came back through archive recovery.)
    if (!queue.forget(key) && queue.get(key).isPresent()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_WHILE_IN_USE);
    }
    String id = backup.getStatus() == null ? null : backup.getStatus().id();
    String namespace = backup.getMetadata().getNamespace();
    Optional<Boolean> namespaceGoing = namespaceBeingDeleted(namespace, context);
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
    List<String> waitingFor = new java.util.ArrayList<>();
    List<String> restoresOfIt = restoresFor(backup).stream()
        .filter(BackupReconciler::notFinished)
        .map(restore -> restore.getMetadata().getName())
        .toList();
    if (!restoresOfIt.isEmpty()) {
      waitingFor.add("restore " + String.join(", ", restoresOfIt) + " of it runs");
    }
    // A restore's safety snapshot is an archive too (recovered as a Backup): while the restore has not finished, it
    // is what the restore rolls back to.
    List<String> rollingBackToIt = id == null || restores == null ? List.of() : restores.list(restore ->
            notFinished(restore) && restore.getStatus() != null && id.equals(restore.getStatus().safetySnapshotId()))
        .map(restore -> restore.getMetadata().getNamespace() + "/" + restore.getMetadata().getName())
        .sorted()
        .toList();
    if (!rollingBackToIt.isEmpty()) {
      waitingFor.add("restore " + String.join(", ", rollingBackToIt) + ", which rolls back to it if it fails, has "
          + "not finished");
    }
    if (!waitingFor.isEmpty()) {
      events.warning(backup, "DeletionWaiting", "archive kept while " + String.join("; and while ", waitingFor));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_WHILE_IN_USE);
    }
    if (id != null) {
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
          log.info("deleted archive {} of backup {}/{} from {}", id, namespace, backup.getMetadata().getName(),
              where.location().where());
        }
      } catch (IOException e) {
        events.warning(backup, "DeleteFailed", "could not delete archive " + id + ": " + e.getMessage());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT_AFTER_FAILURE);
      }
    }
    return DeleteControl.defaultDelete();
  }

  /** When a ready backup was completed: its completionTime, else (recovered from the store) when it was taken. */
  private static Optional<Instant> completedAt(BackupStatus status) {
    for (String time : new String[] {status.completionTime(), status.timestamp()}) {
      if (time != null) {
        try {
          return Optional.of(Instant.parse(time));
        } catch (java.time.format.DateTimeParseException e) {
          // A hand-edited status: try the other one.
        }
      }
    }
    return Optional.empty();
  }

  private static boolean notFinished(Restore restore) {
    return restore.getStatus() == null || restore.getStatus().phase() == null
        || !restore.getStatus().phase().isTerminal();
  }

  /**
   * True when the namespace has a deletionTimestamp (Terminating: Kubernetes is deleting everything in it) or is
   * gone; empty when it cannot be read (then neither the archive nor the finalizer is given up).
   */
  private static Optional<Boolean> namespaceBeingDeleted(String namespace, Context<Backup> context) {
    try {
      Namespace found = context.getClient().namespaces().withName(namespace).get();
      return Optional.of(found == null || found.getMetadata().getDeletionTimestamp() != null
          || (found.getStatus() != null && "Terminating".equals(found.getStatus().getPhase())));
    } catch (KubernetesClientException e) {
      log.warn("could not read namespace {}: {}", namespace, failureMessage(e));
      return Optional.empty();
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


  private BackupStatus succeeded(BackupStatus current, Operation operation, Long generation,
      List<RestoreRecord> restoreRecords) {
    Placed placed = (Placed) operation.result();
    BackupOutcome outcome = placed.outcome();
    var manifest = outcome.manifest();
    String message = OutcomeMessages.ready(outcome);
    return new StatusBuilder(current, generation, clock)
        .phase(Phase.STATUS_READY)
        .id(manifest.id())
        .message(message)
        .timestamp(Times.format(manifest.created()))
        .withStart(Times.precise(operation.startedAt()))
        .completionTime(Times.precise(operation.finishedAt()))
        .marathonVersion(manifest.marathonVersion())
        .storageVersion(manifest.storageVersion())
        .location(placed.where())
        .storageLocation(placed.locationName(), placed.objectKey())
        .encryptionKeyId(placed.encryptionKeyId())
        .figures(manifest.znodes(), manifest.bytes(), manifest.sha256())
        .leaderless(seconds(outcome.marathonLeaderless()))
        .consistency(switch (outcome.consistency()) {
          case FENCED -> BackupStatus.Consistency.Fenced;
          case ONLINE -> BackupStatus.Consistency.Online;
          case FENCED_FALLBACK -> BackupStatus.Consistency.FencedFallback;
        })
        .preCopy(preCopyStatus(outcome.preCopy()))
        .restores(restoreRecords)
        .ready("BackupReady", message)
        .build();
  }

  /** A finished backup and where its archive is; {@code encryptionKeyId} null when it is stored in plaintext. */
  record Placed(BackupOutcome outcome, String locationName, String objectKey, String where, String encryptionKeyId) {}

  /**
   * Read back from the stored archive rather than taken from the location's spec: a backup resumed after a restart
   * may find its archive written earlier, with the key that was current then.
   */
  private static String storedKeyId(ArchiveLocation location, String id) {
    try {
      return location.encryptionKeyId(id).orElse(null);
    } catch (IOException e) {
      log.warn("archive {} is stored in {}, but its encryption header could not be read back: {}", id,
          location.where(), e.getMessage());
      return null;
    }
  }

  private BackupStatus failed(BackupStatus current, String id, String message, String reason, Long generation,
      List<RestoreRecord> restoreRecords, Operation operation) {
    StatusBuilder builder = new StatusBuilder(current, generation, clock);
    if (operation != null && operation.startedAt() != null) {
      builder.withStart(Times.precise(operation.startedAt()));
    }
    return builder
        .phase(Phase.STATUS_ERROR)
        .id(id)
        .message(message)
        .completionTime(operation != null && operation.finishedAt() != null ? Times.precise(operation.finishedAt())
            : Times.format(clock.instant()))
        .restores(restoreRecords)
        .failed(reason, message)
        .build();
  }

  private StatusBuilder status(BackupStatus current, String id, Phase phase, String message, Long generation,
      List<RestoreRecord> restoreRecords) {
    return new StatusBuilder(current, generation, clock).id(id).phase(phase).message(message).restores(restoreRecords);
  }

  private static BackupStatus withRestores(BackupStatus status, List<RestoreRecord> restoreRecords) {
    return new BackupStatus(status.id(), status.phase(), status.componentStatus(), status.timestamp(),
        status.startTime(), status.completionTime(), status.message(), status.marathonVersion(), status.location(),
        status.znodes(), status.bytes(), status.sha256(), status.marathonLeaderlessSeconds(),
        status.recoveredFromStore(), restoreRecords, status.conditions(), status.observedGeneration(),
        status.consistency(), status.storageVersion(), status.storageLocation(), status.objectKey(),
        status.encryptionKeyId(), status.preCopy());
  }

  private List<Restore> restoresFor(Backup backup) {
    if (restores == null) {
      return List.of();
    }
    String id = backup.getStatus() == null ? null : backup.getStatus().id();
    String name = backup.getMetadata().getName();
    return restores.list(backup.getMetadata().getNamespace(), restore -> restore.getSpec() != null
            && (name.equals(restore.getSpec().backupName())
                || (id != null && (id.equals(restore.getSpec().backupId())
                    || (restore.getStatus() != null && id.equals(restore.getStatus().backupId()))))))
        .toList();
  }

  private List<RestoreRecord> restoreRecords(Backup backup) {
    List<RestoreRecord> records = restoresFor(backup).stream()
        .sorted(Comparator.comparing((Restore r) -> r.getMetadata().getCreationTimestamp(),
            Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(r -> r.getMetadata().getName()))
        .map(restore -> {
          Phase phase = restore.getStatus() == null ? Phase.STATUS_UNKNOWN
              : Objects.requireNonNullElse(restore.getStatus().phase(), Phase.STATUS_UNKNOWN);
          return new RestoreRecord(restore.getMetadata().getName(), phase, ComponentStatus.marathon(phase),
              restore.getMetadata().getCreationTimestamp());
        })
        .toList();
    return records.isEmpty() ? null : records;
  }

  private static String clusterOf(Backup backup) {
    return backup.getSpec() == null ? io.dcos.backup.api.MarathonCluster.DEFAULT_NAME
        : backup.getSpec().clusterOrDefault();
  }

  static String operationKey(io.fabric8.kubernetes.api.model.HasMetadata resource) {
    return resource.getKind() + "/" + resource.getMetadata().getUid();
  }

  static String failureMessage(Exception failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }

  static double seconds(Duration duration) {
    return Math.round(duration.toMillis() / 10.0) / 100.0;
  }

  /** What a Backup's or Restore's status shows of a pre-copy; null for none. */
  static PreCopyStatus preCopyStatus(PreCopy.Figures figures) {
    return figures == null ? null
        : new PreCopyStatus(seconds(figures.onlinePass()), figures.rounds(), figures.znodesReread());
  }

  /** Builds the next status from the current one, changing only what the step knows. */
  static final class StatusBuilder {
    private final BackupStatus base;
    private final Long generation;
    private final Clock clock;
    private String id;
    private Phase phase;
    private String message;
    private String timestamp;
    private String startTime;
    private String completionTime;
    private String marathonVersion;
    private String location;
    private Long znodes;
    private Long bytes;
    private String sha256;
    private Double leaderless;
    private List<RestoreRecord> restores;
    private List<Condition> conditions;
    private BackupStatus.Consistency consistency;
    private String storageVersion;
    private String storageLocation;
    private String objectKey;
    private String encryptionKeyId;
    private PreCopyStatus preCopy;

    StatusBuilder(BackupStatus base, Long generation, Clock clock) {
      this.base = base;
      this.generation = generation;
      this.clock = clock;
      if (base != null) {
        id = base.id();
        phase = base.phase();
        message = base.message();
        timestamp = base.timestamp();
        startTime = base.startTime();
        completionTime = base.completionTime();
        marathonVersion = base.marathonVersion();
        location = base.location();
        znodes = base.znodes();
        bytes = base.bytes();
        sha256 = base.sha256();
        leaderless = base.marathonLeaderlessSeconds();
        restores = base.restores();
        conditions = base.conditions();
        consistency = base.consistency();
        storageVersion = base.storageVersion();
        storageLocation = base.storageLocation();
        objectKey = base.objectKey();
        encryptionKeyId = base.encryptionKeyId();
        preCopy = base.preCopy();
      }
    }

    StatusBuilder id(String value) { id = value; return this; }
    StatusBuilder phase(Phase value) { phase = value; return this; }
    StatusBuilder message(String value) { message = value; return this; }
    StatusBuilder timestamp(String value) { timestamp = value; return this; }
    StatusBuilder withStart(String value) { startTime = value; return this; }
    StatusBuilder completionTime(String value) { completionTime = value; return this; }
    StatusBuilder marathonVersion(String value) { marathonVersion = value; return this; }
    StatusBuilder location(String value) { location = value; return this; }
    StatusBuilder leaderless(double value) { leaderless = value; return this; }
    StatusBuilder restores(List<RestoreRecord> value) { restores = value; return this; }
    StatusBuilder consistency(BackupStatus.Consistency value) { consistency = value; return this; }
    StatusBuilder storageVersion(String value) { storageVersion = value; return this; }
    StatusBuilder storageLocation(String name, String key) { storageLocation = name; objectKey = key; return this; }
    StatusBuilder encryptionKeyId(String value) { encryptionKeyId = value; return this; }
    StatusBuilder preCopy(PreCopyStatus value) { preCopy = value; return this; }

    StatusBuilder figures(long znodeCount, long byteCount, String digest) {
      znodes = znodeCount;
      bytes = byteCount;
      sha256 = digest;
      return this;
    }

    StatusBuilder running(String reason, String text) {
      conditions = Conditions.lifecycle(conditions, Conditions.Stage.RUNNING, reason, text, generation, clock.instant());
      return this;
    }

    StatusBuilder ready(String reason, String text) {
      conditions = Conditions.lifecycle(conditions, Conditions.Stage.READY, reason, text, generation, clock.instant());
      return this;
    }

    StatusBuilder failed(String reason, String text) {
      conditions = Conditions.lifecycle(conditions, Conditions.Stage.FAILED, reason, text, generation, clock.instant());
      return this;
    }

    BackupStatus build() {
      return new BackupStatus(id, phase, phase == null ? null : ComponentStatus.marathon(phase), timestamp,
          startTime, completionTime, message, marathonVersion, location, znodes, bytes, sha256, leaderless,
          base == null ? null : base.recoveredFromStore(), restores, conditions, generation, consistency,
          storageVersion, storageLocation, objectKey, encryptionKeyId, preCopy);
    }
  }
}
