package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.Conditions;
import io.dcos.backup.api.BackupScheduleStatus;
import io.dcos.backup.api.BackupScheduleStatus.ActiveBackup;
import io.dcos.backup.api.Condition;
import java.time.Instant;
import java.util.List;

/** The one way a BackupSchedule's status is made: from the current one, changing only what this pass learned. */
final class ScheduleStatusBuilder {
  private final Long generation;
  private final Instant now;
  private String lastScheduleTime;
  private Double lastScheduleLagSeconds;
  private String lastSkippedTime;
  private String lastSuccessfulBackup;
  private String lastSuccessfulTime;
  private String lastFailedBackup;
  private String lastFailureTime;
  private String nextScheduleTime;
  private List<ActiveBackup> active;
  private List<Condition> conditions;

  private ScheduleStatusBuilder(BackupScheduleStatus base, Long generation, Instant now) {
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

  /** Starts from {@code base} (null: an empty status); {@code now} stamps conditions that change. */
  static ScheduleStatusBuilder from(BackupScheduleStatus base, Long generation, Instant now) {
    return new ScheduleStatusBuilder(base, generation, now);
  }

  Instant now() {
    return now;
  }

  String lastSuccessfulTime() {
    return lastSuccessfulTime;
  }

  String lastFailureTime() {
    return lastFailureTime;
  }

  ScheduleStatusBuilder scheduled(Instant fireTime, double lagSeconds) {
    lastScheduleTime = Times.format(fireTime);
    lastScheduleLagSeconds = lagSeconds;
    return this;
  }

  ScheduleStatusBuilder skipped(Instant fireTime) {
    lastSkippedTime = Times.format(fireTime);
    return this;
  }

  ScheduleStatusBuilder lastSuccess(String backupId, Instant fireTime) {
    lastSuccessfulBackup = backupId;
    lastSuccessfulTime = Times.format(fireTime);
    return this;
  }

  ScheduleStatusBuilder lastFailure(String backupName, Instant fireTime) {
    lastFailedBackup = backupName;
    lastFailureTime = Times.format(fireTime);
    return this;
  }

  ScheduleStatusBuilder nextScheduleTime(String value) { nextScheduleTime = value; return this; }
  ScheduleStatusBuilder active(List<ActiveBackup> value) { active = value; return this; }

  ScheduleStatusBuilder condition(String type, boolean value, String reason, String message) {
    conditions = Conditions.set(conditions, type, value, reason, message, generation, now);
    return this;
  }

  BackupScheduleStatus build() {
    return new BackupScheduleStatus(lastScheduleTime, lastScheduleLagSeconds, lastSkippedTime, lastSuccessfulBackup,
        lastSuccessfulTime, lastFailedBackup, lastFailureTime, nextScheduleTime, active, conditions, generation);
  }
}
