package io.dcos.backup.reconciler;

import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.schedule.CronSchedule;
import io.dcos.backup.schedule.RetentionPolicy;
import io.dcos.backup.schedule.ScheduleNames;
import java.util.Optional;

/** A BackupSchedule's validate step: its spec checked as the operator needs it, whatever the API server let through. */
final class ScheduleSpecs {
  /** As Kubernetes CronJob advises (and the CRD's minimum): below this, on-time runs are skipped as too late. */
  static final long MIN_STARTING_DEADLINE_SECONDS = 10;

  private ScheduleSpecs() {}

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
}
