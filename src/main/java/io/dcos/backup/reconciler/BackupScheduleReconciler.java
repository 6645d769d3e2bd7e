package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.BackupScheduleSpec.ConcurrencyPolicy;
import io.dcos.backup.api.BackupScheduleStatus;
import io.dcos.backup.api.BackupScheduleStatus.ActiveBackup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.schedule.CronSchedule;
import io.dcos.backup.schedule.RetentionPolicy;
import io.dcos.backup.schedule.RetentionPolicy.Candidate;
import io.dcos.backup.schedule.RetentionPolicy.State;
import io.dcos.backup.schedule.ScheduleNames;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
  /** As Kubernetes CronJob advises (and the CRD's minimum): below this, on-time runs are skipped as too late. */
  static final long MIN_STARTING_DEADLINE_SECONDS = 10;
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
    Draft draft = new Draft(current, schedule.getMetadata().getGeneration(), now);
    String namespace = schedule.getMetadata().getNamespace();
    List<Backup> owned = backups.list(namespace, backup -> ownedBy(backup, schedule)
        && backup.getMetadata().getDeletionTimestamp() == null).toList();

    observeOutcomes(schedule, owned, draft);

    BackupScheduleSpec spec = schedule.getSpec();
    CronSchedule cron;
    RetentionPolicy retention;
    try {
      cron = validate(schedule);
      retention = retention(spec.retention());
    } catch (IllegalArgumentException e) {
      if (current == null || !isInvalid(current, e.getMessage())) {
        events.warning(schedule, "InvalidSpec", e.getMessage());
      }
      draft.conditions = Conditions.set(draft.conditions, READY, false, "InvalidSpec", e.getMessage(),
          draft.generation, now);
      draft.nextScheduleTime = null;
      draft.active = active(owned, null);
      return patchIfChanged(schedule, current, draft.build(), Optional.empty());
    }

    Backup created = null;
    Optional<Instant> next = Optional.empty();
    if (spec.suspended()) {
      draft.conditions = Conditions.set(draft.conditions, SUSPENDED, true, "Suspended",
          "spec.suspend is true: no backups are created", draft.generation, now);
      draft.conditions = Conditions.set(draft.conditions, READY, true, "Suspended",
          "suspended; retention still applies", draft.generation, now);
      // Fire times while suspended are skipped, not caught up when the schedule resumes.
      cron.latestAtOrBefore(now).filter(t -> t.isAfter(lastHandled(schedule, current)))
          .ifPresent(t -> draft.skipped(schedule, t));
    } else {
      draft.conditions = Conditions.set(draft.conditions, SUSPENDED, false, "Scheduling",
          "spec.suspend is not set", draft.generation, now);
      CronSchedule.Due due = cron.due(lastHandled(schedule, current), now, deadline(spec));
      if (due.fireTime().isPresent()) {
        created = runOrSkip(schedule, context.getClient(), due, owned, draft, now);
      }
      next = due.next();
      String message = next.map(t -> "next backup at " + Times.format(t)).orElse("the schedule never fires again");
      draft.conditions = Conditions.set(draft.conditions, READY, true, "Scheduled", message, draft.generation, now);
    }
    draft.nextScheduleTime = next.map(Times::format).orElse(null);

    applyRetention(schedule, context.getClient(), retention, owned, now);
    draft.active = active(owned, created);
    Duration wait = next.map(t -> Duration.between(now, t)).filter(d -> d.compareTo(maxWait) < 0).orElse(maxWait);
    return patchIfChanged(schedule, current, draft.build(), Optional.of(wait.isNegative() ? Duration.ZERO : wait));
  }

  /** The schedule's spec checked as the operator needs it, whatever the API server let through. */
  static CronSchedule validate(BackupSchedule schedule) {
    BackupScheduleSpec spec = schedule.getSpec();
    if (spec == null) {
      throw new IllegalArgumentException("spec is required");
    }
    ScheduleNames.validateScheduleName(schedule.getMetadata().getName()).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    ScheduleNames.validatePrefix(spec.label()).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    if (spec.startingDeadlineSeconds() != null && spec.startingDeadlineSeconds() < MIN_STARTING_DEADLINE_SECONDS) {
      throw new IllegalArgumentException("startingDeadlineSeconds is " + spec.startingDeadlineSeconds()
          + "; it must be at least " + MIN_STARTING_DEADLINE_SECONDS + " (or unset): a run always starts a little after "
          + "its fire time, so a smaller deadline would skip runs that are on time");
    }
    return CronSchedule.parse(spec.schedule());
  }

  static RetentionPolicy retention(BackupScheduleSpec.Retention retention) {
    if (retention == null) {
      return RetentionPolicy.keepAll();
    }
    Optional<java.time.Duration> maxAge = Optional.ofNullable(retention.maxAge()).map(text -> {
      try {
        return RetentionPolicy.parseDuration(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("retention.maxAge: " + e.getMessage());
      }
    });
    try {
      return new RetentionPolicy(Optional.ofNullable(retention.keepLast()), maxAge);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("retention." + e.getMessage());
    }
  }

  /** Creates the Backup for the due fire time, or records why it is skipped. Returns what it created. */
  private Backup runOrSkip(BackupSchedule schedule, KubernetesClient client, CronSchedule.Due due, List<Backup> owned,
      Draft draft, Instant now) {
    Instant fireTime = due.fireTime().orElseThrow();
    String when = Times.format(fireTime);
    String dropped = due.olderMissed() == 0 ? "" : " (" + due.olderMissed() + " earlier fire time"
        + (due.olderMissed() == 1 ? " was" : "s were") + " missed and are not caught up)";
    if (due.pastDeadline()) {
      draft.skipped(schedule, fireTime);
      events.warning(schedule, "MissedSchedule", "backup due at " + when + " not started: it is "
          + RetentionPolicy.format(Duration.between(fireTime, now)) + " late, past startingDeadlineSeconds "
          + schedule.getSpec().startingDeadlineSeconds() + dropped);
      return null;
    }
    List<String> running = owned.stream().filter(b -> !isTerminal(b)).map(b -> b.getMetadata().getName()).toList();
    if (schedule.getSpec().effectiveConcurrencyPolicy() == ConcurrencyPolicy.Forbid && !running.isEmpty()) {
      draft.skipped(schedule, fireTime);
      events.normal(schedule, "Skipped", "backup due at " + when + " skipped: " + String.join(", ", running)
          + " still running (concurrencyPolicy Forbid)" + dropped);
      return null;
    }
    Backup backup = newBackup(schedule, fireTime);
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
      if (existing == null || !ownedBy(existing, schedule)) {
        draft.skipped(schedule, fireTime);
        events.warning(schedule, "NameTaken", "backup due at " + when + " skipped: a Backup named " + name
            + " exists and does not belong to this schedule");
        return null;
      }
      backup = existing;
    }
    draft.lastScheduleTime = when;
    handled.merge(schedule.getMetadata().getUid(), fireTime, BackupScheduleReconciler::later);
    draft.lastScheduleLagSeconds = BackupReconciler.seconds(Duration.between(fireTime, now));
    return backup;
  }

  static Backup newBackup(BackupSchedule schedule, Instant fireTime) {
    var metadata = schedule.getMetadata();
    Backup backup = new Backup();
    backup.getMetadata().setName(ScheduleNames.backupName(metadata.getName(), fireTime));
    backup.getMetadata().setNamespace(metadata.getNamespace());
    // Only labels of our own: a schedule's labels (argocd.argoproj.io/instance, kustomize's) would make GitOps
    // tools prune the Backups as objects missing from Git.
    backup.getMetadata().setLabels(Map.of(BackupSchedule.SCHEDULE_LABEL, metadata.getName()));
    backup.getMetadata().setAnnotations(Map.of(BackupSchedule.FIRE_TIME_ANNOTATION, Times.format(fireTime)));
    backup.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(schedule.getApiVersion())
        .withKind(schedule.getKind())
        .withName(metadata.getName())
        .withUid(metadata.getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build()));
    backup.setSpec(new BackupSpec(ScheduleNames.backupLabel(schedule.getSpec().label(), fireTime),
        schedule.getSpec().consistency(), schedule.getSpec().storageLocation(), schedule.getSpec().cluster()));
    return backup;
  }

  private void applyRetention(BackupSchedule schedule, KubernetesClient client, RetentionPolicy policy,
      List<Backup> owned, Instant now) {
    if (policy.isKeepAll()) {
      return;
    }
    List<Restore> allRestores = restores.list(schedule.getMetadata().getNamespace()).toList();
    List<Candidate> candidates = owned.stream()
        .map(backup -> new Candidate(backup.getMetadata().getName(), fireTime(backup, now), state(backup),
            ownedBy(backup, schedule), usedBy(backup, allRestores)))
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
  private void observeOutcomes(BackupSchedule schedule, List<Backup> owned, Draft draft) {
    List<Backup> finished = owned.stream().filter(BackupScheduleReconciler::isTerminal)
        .sorted(Comparator.comparing((Backup b) -> fireTime(b, draft.now)).thenComparing(b -> b.getMetadata().getName()))
        .toList();
    for (Backup backup : finished) {
      Instant fired = fireTime(backup, draft.now);
      if (backup.getStatus().phase() == Phase.STATUS_READY) {
        if (draft.lastSuccessfulTime == null || !fired.isBefore(Instant.parse(draft.lastSuccessfulTime))) {
          draft.lastSuccessfulBackup = backup.getStatus().id();
          draft.lastSuccessfulTime = Times.format(fired);
        }
      } else if (draft.lastFailureTime == null || fired.isAfter(Instant.parse(draft.lastFailureTime))) {
        draft.lastFailedBackup = backup.getMetadata().getName();
        draft.lastFailureTime = Times.format(fired);
        events.warning(schedule, "BackupFailed", "scheduled backup " + backup.getMetadata().getName() + " ("
            + Times.format(fired) + ") failed: " + backup.getStatus().message());
      }
    }
    if (!finished.isEmpty()) {
      Backup newest = finished.get(finished.size() - 1);
      boolean failed = newest.getStatus().phase() == Phase.STATUS_ERROR;
      draft.conditions = Conditions.set(draft.conditions, BACKUP_FAILED, failed,
          failed ? "BackupFailed" : "BackupReady",
          failed ? "the newest finished backup " + newest.getMetadata().getName() + " failed: "
              + newest.getStatus().message()
              : "the newest finished backup " + newest.getMetadata().getName() + " is ready",
          draft.generation, draft.now);
    }
  }

  private static List<ActiveBackup> active(List<Backup> owned, Backup created) {
    List<Backup> running = new ArrayList<>(owned.stream().filter(b -> !isTerminal(b)).toList());
    if (created != null && running.stream().noneMatch(b -> b.getMetadata().getName()
        .equals(created.getMetadata().getName()))) {
      running.add(created);
    }
    List<ActiveBackup> active = running.stream()
        .sorted(Comparator.comparing((Backup b) -> b.getMetadata().getName()))
        .map(b -> new ActiveBackup(b.getMetadata().getName(), annotation(b)))
        .toList();
    return active.isEmpty() ? null : active;
  }

  /** Fire times before this one are handled: the last one run or skipped, else the schedule's creation. */
  private Instant lastHandled(BackupSchedule schedule, BackupScheduleStatus status) {
    Instant since = parse(schedule.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
    Instant remembered = handled.get(schedule.getMetadata().getUid());
    if (remembered != null && remembered.isAfter(since)) {
      since = remembered;
    }
    if (status != null) {
      for (String time : new String[] {status.lastScheduleTime(), status.lastSkippedTime()}) {
        Optional<Instant> handled = parse(time);
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

  static boolean ownedBy(Backup backup, BackupSchedule schedule) {
    var references = backup.getMetadata().getOwnerReferences();
    return references != null && references.stream().anyMatch(reference ->
        Objects.equals(reference.getUid(), schedule.getMetadata().getUid())
            && Objects.equals(reference.getKind(), schedule.getKind()));
  }

  /** The name of a Restore that has not finished and restores this backup (by object name or backup ID). */
  static Optional<String> usedBy(Backup backup, List<Restore> restores) {
    String id = backup.getStatus() == null ? null : backup.getStatus().id();
    String name = backup.getMetadata().getName();
    return restores.stream()
        .filter(restore -> restore.getStatus() == null || restore.getStatus().phase() == null
            || !restore.getStatus().phase().isTerminal())
        .filter(restore -> restore.getSpec() != null && (name.equals(restore.getSpec().backupName())
            || (id != null && (id.equals(restore.getSpec().backupId())
                || (restore.getStatus() != null && id.equals(restore.getStatus().backupId()))))))
        .map(restore -> restore.getMetadata().getName())
        .sorted()
        .findFirst();
  }

  private static State state(Backup backup) {
    Phase phase = backup.getStatus() == null ? null : backup.getStatus().phase();
    return phase == Phase.STATUS_READY ? State.READY : phase == Phase.STATUS_ERROR ? State.FAILED : State.RUNNING;
  }

  private static boolean isTerminal(Backup backup) {
    return state(backup) != State.RUNNING;
  }

  /** The fire time a Backup was created for; its creation time if the annotation is missing or mangled. */
  static Instant fireTime(Backup backup, Instant fallback) {
    return parse(annotation(backup))
        .or(() -> parse(backup.getMetadata().getCreationTimestamp()))
        .orElse(fallback);
  }

  private static String annotation(Backup backup) {
    var annotations = backup.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(BackupSchedule.FIRE_TIME_ANNOTATION);
  }

  private static Optional<Instant> parse(String time) {
    if (time == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(time));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static boolean isInvalid(BackupScheduleStatus status, String message) {
    return status.conditions() != null && status.conditions().stream().anyMatch(c -> READY.equals(c.type())
        && Condition.FALSE.equals(c.status()) && "InvalidSpec".equals(c.reason()) && message.equals(c.message()));
  }

  private UpdateControl<BackupSchedule> patchIfChanged(BackupSchedule schedule, BackupScheduleStatus before,
      BackupScheduleStatus after, Optional<Duration> wait) {
    // From status: after an operator restart the first pass restores the series (lastSuccessfulTime is in status).
    metrics.scheduleObserved(metricName(schedule), after.lastScheduleLagSeconds(),
        parse(after.lastSuccessfulTime()).orElse(null));
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

  /** The next status, starting from the current one. */
  private final class Draft {
    final Long generation;
    final Instant now;
    String lastScheduleTime;
    Double lastScheduleLagSeconds;
    String lastSkippedTime;
    String lastSuccessfulBackup;
    String lastSuccessfulTime;
    String lastFailedBackup;
    String lastFailureTime;
    String nextScheduleTime;
    List<ActiveBackup> active;
    List<Condition> conditions;

    Draft(BackupScheduleStatus base, Long generation, Instant now) {
      this.generation = generation;
      this.now = now;
      if (base != null) {
        lastScheduleTime = base.lastScheduleTime();
        lastScheduleLagSeconds = base.lastScheduleLagSeconds();
        lastSkippedTime = base.lastSkippedTime();
        lastSuccessfulBackup = base.lastSuccessfulBackup();
        lastSuccessfulTime = base.lastSuccessfulTime();
        lastFailedBackup = base.lastFailedBackup();
        lastFailureTime = base.lastFailureTime();
        nextScheduleTime = base.nextScheduleTime();
        active = base.active();
        conditions = base.conditions();
      }
    }

    void skipped(BackupSchedule schedule, Instant fireTime) {
      lastSkippedTime = Times.format(fireTime);
      handled.merge(schedule.getMetadata().getUid(), fireTime, BackupScheduleReconciler::later);
    }

    BackupScheduleStatus build() {
      return new BackupScheduleStatus(lastScheduleTime, lastScheduleLagSeconds, lastSkippedTime, lastSuccessfulBackup,
          lastSuccessfulTime, lastFailedBackup, lastFailureTime, nextScheduleTime, active, conditions, generation);
    }
  }
}
