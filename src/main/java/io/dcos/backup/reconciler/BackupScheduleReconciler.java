package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.OperationMetrics;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.BackupScheduleSpec.ConcurrencyPolicy;
import io.dcos.backup.api.BackupScheduleStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.schedule.CronSchedule;
import io.dcos.backup.schedule.RetentionPolicy;
import io.dcos.backup.schedule.RetentionPolicy.Candidate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a BackupSchedule: observe (its Backups, from an informer, and the Restores using them) → validate the spec
 * → act (create the Backup due, delete what retention selects) → write status when it changed, and wake up at the
 * next fire time. When and what to delete are decided by {@link CronSchedule} and {@link RetentionPolicy}.
 */
// Reconciled on every event, Delete included (no finalizer needed): a deleted schedule's metrics and in-memory
// bookkeeping are dropped then.
@ControllerConfiguration(name = "backupschedule", triggerReconcilerOnAllEvents = true)
public final class BackupScheduleReconciler implements Reconciler<BackupSchedule> {
  private static final Logger log = LoggerFactory.getLogger(BackupScheduleReconciler.class);
  /** The longest sleep even when the next fire time is later: bounds the harm of a clock jump or a lost timer. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(10);
  static final String READY = Condition.READY;
  static final String SUSPENDED = "Suspended";
  static final String BACKUP_FAILED = "BackupFailed";

  private final EventRecorder events;
  private final OperationMetrics metrics;
  private final Clock clock;
  private final Duration maxWait;
  private InformerEventSource<Backup, BackupSchedule> backups;
  private InformerEventSource<Restore, BackupSchedule> restores;
  /**
   * The latest fire time handled (run or skipped) per schedule UID, as this process knows it: the next pass may
   * still read a cached schedule without the status just written, and must not handle the same fire time twice.
   * After a restart, status is the record. One small entry per schedule ever seen.
   */
  private final Map<String, Instant> handled = new ConcurrentHashMap<>();

  public BackupScheduleReconciler(EventRecorder events, Clock clock) {
    this(events, OperationMetrics.discarding(), clock, DEFAULT_MAX_WAIT);
  }

  /** @param maxWait the longest time between two reconciles of a schedule (tests driving a fake clock use little) */
  public BackupScheduleReconciler(EventRecorder events, OperationMetrics metrics, Clock clock, Duration maxWait) {
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.maxWait = maxWait;
  }

  @Override
  public List<EventSource<?, BackupSchedule>> prepareEventSources(EventSourceContext<BackupSchedule> context) {
    // A schedule hears about its own Backups (owner references): created, finished, deleted.
    backups = new InformerEventSource<>(InformerEventSourceConfiguration.from(Backup.class, BackupSchedule.class)
        .withName("schedule-backups")
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(BackupSchedule.class))
        .build(), context);
    // A Restore that finishes may release a backup retention kept for it: wake the namespace's schedules.
    restores = new InformerEventSource<>(InformerEventSourceConfiguration.from(Restore.class, BackupSchedule.class)
        .withName("schedule-restores")
        .withSecondaryToPrimaryMapper((Restore restore) -> context.getPrimaryCache()
            .list(restore.getMetadata().getNamespace())
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .build(), context);
    return List.of(backups, restores);
  }

  @Override
  public UpdateControl<BackupSchedule> reconcile(BackupSchedule schedule, Context<BackupSchedule> context) {
    if (context.isPrimaryResourceDeleted() || context.isPrimaryResourceFinalStateUnknown()
        || schedule.isMarkedForDeletion()) {
      // Gone (or going): nothing to create or prune, and its series must not linger with a stale last success.
      metrics.scheduleRemoved(metricName(schedule));
      if (!schedule.isMarkedForDeletion()) {
        handled.remove(schedule.getMetadata().getUid());
      }
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    BackupScheduleStatus current = schedule.getStatus();
    ScheduleStatusBuilder draft = ScheduleStatusBuilder.from(current, schedule.getMetadata().getGeneration(), now);
    String namespace = schedule.getMetadata().getNamespace();
    List<Backup> owned = backups.list(namespace, backup -> ScheduledBackups.ownedBy(backup, schedule)
        && backup.getMetadata().getDeletionTimestamp() == null).toList();

    observeOutcomes(schedule, owned, draft);

    BackupScheduleSpec spec = schedule.getSpec();
    CronSchedule cron;
    RetentionPolicy retention;
    try {
      cron = ScheduleSpecs.validate(schedule);
      retention = ScheduleSpecs.retention(spec.retention());
    } catch (IllegalArgumentException e) {
      if (!alreadyInvalid(schedule)) {
        events.warning(schedule, "InvalidSpec", e.getMessage());
      }
      draft.condition(READY, false, "InvalidSpec", e.getMessage()).nextScheduleTime(null)
          .active(ScheduledBackups.active(owned, null));
      return patchIfChanged(schedule, current, draft.build(), Optional.empty());
    }

    Backup created = null;
    Optional<Instant> next = Optional.empty();
    if (spec.suspended()) {
      draft.condition(SUSPENDED, true, "Suspended", "spec.suspend is true: no backups are created")
          .condition(READY, true, "Suspended", "suspended; retention still applies");
      // Fire times while suspended are skipped, not caught up when the schedule resumes.
      cron.latestAtOrBefore(now).filter(t -> t.isAfter(lastHandled(schedule, current)))
          .ifPresent(t -> skipped(schedule, draft, t));
    } else {
      draft.condition(SUSPENDED, false, "Scheduling", "spec.suspend is not set");
      CronSchedule.Due due = cron.due(lastHandled(schedule, current), now, deadline(spec));
      if (due.fireTime().isPresent()) {
        created = runOrSkip(schedule, context.getClient(), due, owned, draft, now);
      }
      next = due.next();
      String message = next.map(t -> "next backup at " + Times.format(t)).orElse("the schedule never fires again");
      draft.condition(READY, true, "Scheduled", message);
    }
    draft.nextScheduleTime(next.map(Times::format).orElse(null));

    applyRetention(schedule, context.getClient(), retention, owned, now);
    draft.active(ScheduledBackups.active(owned, created));
    Duration wait = next.map(t -> Duration.between(now, t)).filter(d -> d.compareTo(maxWait) < 0).orElse(maxWait);
    return patchIfChanged(schedule, current, draft.build(), Optional.of(wait.isNegative() ? Duration.ZERO : wait));
  }

  /** Creates the Backup for the due fire time, or records why it is skipped. Returns what it created. */
  private Backup runOrSkip(BackupSchedule schedule, KubernetesClient client, CronSchedule.Due due, List<Backup> owned,
      ScheduleStatusBuilder draft, Instant now) {
    Instant fireTime = due.fireTime().orElseThrow();
    String when = Times.format(fireTime);
    String dropped = due.olderMissed() == 0 ? "" : " (" + due.olderMissed() + " earlier fire time"
        + (due.olderMissed() == 1 ? " was" : "s were") + " missed and are not caught up)";
    if (due.pastDeadline()) {
      skipped(schedule, draft, fireTime);
      events.warning(schedule, "MissedSchedule", "backup due at " + when + " not started: it is "
          + RetentionPolicy.format(Duration.between(fireTime, now)) + " late, past startingDeadlineSeconds "
          + schedule.getSpec().startingDeadlineSeconds() + dropped);
      return null;
    }
    List<String> running = owned.stream().filter(b -> !ScheduledBackups.isTerminal(b))
        .map(b -> b.getMetadata().getName()).toList();
    if (schedule.getSpec().effectiveConcurrencyPolicy() == ConcurrencyPolicy.Forbid && !running.isEmpty()) {
      skipped(schedule, draft, fireTime);
      events.normal(schedule, "Skipped", "backup due at " + when + " skipped: " + String.join(", ", running)
          + " still running (concurrencyPolicy Forbid)" + dropped);
      return null;
    }
    Backup backup = ScheduledBackups.newBackup(schedule, fireTime);
    String name = backup.getMetadata().getName();
    try {
      backup = client.resource(backup).create();
      events.normal(schedule, "Created", "created Backup " + name + " (label " + backup.getSpec().label()
          + ") for " + when + dropped);
      log.info("schedule {}/{} created backup {} for {}", schedule.getMetadata().getNamespace(),
          schedule.getMetadata().getName(), name, when);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Created by an earlier pass whose status write this pass does not see yet: the fire time is handled.
      Backup existing = client.resources(Backup.class).inNamespace(schedule.getMetadata().getNamespace())
          .withName(name).get();
      if (existing == null || !ScheduledBackups.ownedBy(existing, schedule)) {
        skipped(schedule, draft, fireTime);
        events.warning(schedule, "NameTaken", "backup due at " + when + " skipped: a Backup named " + name
            + " exists and does not belong to this schedule");
        return null;
      }
      backup = existing;
    }
    draft.scheduled(fireTime, OutcomeStatus.seconds(Duration.between(fireTime, now)));
    handled.merge(schedule.getMetadata().getUid(), fireTime, BackupScheduleReconciler::later);
    return backup;
  }

  private void applyRetention(BackupSchedule schedule, KubernetesClient client, RetentionPolicy policy,
      List<Backup> owned, Instant now) {
    if (policy.isKeepAll()) {
      return;
    }
    List<Restore> allRestores = restores.list(schedule.getMetadata().getNamespace()).toList();
    List<Candidate> candidates = owned.stream()
        .map(backup -> new Candidate(backup.getMetadata().getName(), ScheduledBackups.fireTime(backup, now),
            ScheduledBackups.state(backup),
            ScheduledBackups.ownedBy(backup, schedule), ScheduledBackups.usedBy(backup, allRestores)))
        .toList();
    RetentionPolicy.Plan plan = policy.apply(candidates, now);
    for (RetentionPolicy.Verdict verdict : plan.delete()) {
      client.resources(Backup.class).inNamespace(schedule.getMetadata().getNamespace()).withName(verdict.name())
          .delete();
      events.normal(schedule, "Pruned", "deleted Backup " + verdict.name() + " and its archive: " + verdict.reason());
      log.info("schedule {}/{} deleted backup {}: {}", schedule.getMetadata().getNamespace(),
          schedule.getMetadata().getName(), verdict.name(), verdict.reason());
    }
    plan.spared().forEach(verdict -> log.debug("schedule {}/{}: backup {} {}", schedule.getMetadata().getNamespace(),
        schedule.getMetadata().getName(), verdict.name(), verdict.reason()));
  }

  /** Last success, new failures (a Warning Event each), and whether the newest finished backup failed. */
  private void observeOutcomes(BackupSchedule schedule, List<Backup> owned, ScheduleStatusBuilder draft) {
    List<Backup> finished = owned.stream().filter(ScheduledBackups::isTerminal)
        .sorted(Comparator.comparing((Backup b) -> ScheduledBackups.fireTime(b, draft.now()))
            .thenComparing(b -> b.getMetadata().getName()))
        .toList();
    for (Backup backup : finished) {
      Instant fired = ScheduledBackups.fireTime(backup, draft.now());
      if (backup.getStatus().phase() == Phase.STATUS_READY) {
        if (draft.lastSuccessfulTime() == null || !fired.isBefore(Instant.parse(draft.lastSuccessfulTime()))) {
          draft.lastSuccess(backup.getStatus().id(), fired);
        }
      } else if (draft.lastFailureTime() == null || fired.isAfter(Instant.parse(draft.lastFailureTime()))) {
        draft.lastFailure(backup.getMetadata().getName(), fired);
        events.warning(schedule, "BackupFailed", "scheduled backup " + backup.getMetadata().getName() + " ("
            + Times.format(fired) + ") failed: " + backup.getStatus().message());
      }
    }
    if (!finished.isEmpty()) {
      Backup newest = finished.get(finished.size() - 1);
      boolean failed = newest.getStatus().phase() == Phase.STATUS_ERROR;
      draft.condition(BACKUP_FAILED, failed, failed ? "BackupFailed" : "BackupReady",
          failed ? "the newest finished backup " + newest.getMetadata().getName() + " failed: "
              + newest.getStatus().message()
              : "the newest finished backup " + newest.getMetadata().getName() + " is ready");
    }
  }

  /** Fire times before this one are handled: the last one run or skipped, else the schedule's creation. */
  private Instant lastHandled(BackupSchedule schedule, BackupScheduleStatus status) {
    Instant since = Times.parse(schedule.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
    Instant remembered = handled.get(schedule.getMetadata().getUid());
    if (remembered != null && remembered.isAfter(since)) {
      since = remembered;
    }
    if (status != null) {
      for (String time : new String[] {status.lastScheduleTime(), status.lastSkippedTime()}) {
        Optional<Instant> handled = Times.parse(time);
        if (handled.isPresent() && handled.get().isAfter(since)) {
          since = handled.get();
        }
      }
    }
    return since;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Optional<Duration> deadline(BackupScheduleSpec spec) {
    return Optional.ofNullable(spec.startingDeadlineSeconds()).map(Duration::ofSeconds);
  }

  /**
   * Whether this generation of the spec was already found invalid (and said so in an Event): the Ready condition is
   * False for InvalidSpec and was set for this generation.
   */
  private static boolean alreadyInvalid(BackupSchedule schedule) {
    BackupScheduleStatus status = schedule.getStatus();
    return status != null && status.conditions() != null && status.conditions().stream().anyMatch(c ->
        READY.equals(c.type()) && Condition.FALSE.equals(c.status()) && "InvalidSpec".equals(c.reason())
            && Objects.equals(c.observedGeneration(), schedule.getMetadata().getGeneration()));
  }

  /** A fire time not run: recorded, and remembered for the passes that read a cached status without it. */
  private void skipped(BackupSchedule schedule, ScheduleStatusBuilder draft, Instant fireTime) {
    draft.skipped(fireTime);
    handled.merge(schedule.getMetadata().getUid(), fireTime, BackupScheduleReconciler::later);
  }

  private UpdateControl<BackupSchedule> patchIfChanged(BackupSchedule schedule, BackupScheduleStatus before,
      BackupScheduleStatus after, Optional<Duration> wait) {
    // From status: after an operator restart the first pass restores the series (lastSuccessfulTime is in status).
    metrics.scheduleObserved(metricName(schedule), after.lastScheduleLagSeconds(),
        Times.parse(after.lastSuccessfulTime()).orElse(null));
    UpdateControl<BackupSchedule> control;
    if (Objects.equals(before, after)) {
      control = UpdateControl.noUpdate();
    } else {
      schedule.setStatus(after);
      control = UpdateControl.patchStatus(schedule);
    }
    return wait.map(control::rescheduleAfter).orElse(control);
  }

  /** The metrics' {@code schedule} label: {@code <namespace>/<name>}. */
  private static String metricName(BackupSchedule schedule) {
    return schedule.getMetadata().getNamespace() + "/" + schedule.getMetadata().getName();
  }
}
