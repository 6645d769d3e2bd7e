package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * When to back up and how long to keep the backups. Unlike a Backup's, this spec may change: the next reconcile
 * follows it. The cron expression is checked by the operator (CEL cannot parse cron); everything else also by the
 * schema, and again by the operator.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
// The label prefix rule (ScheduleNames.PREFIX_PATTERN) in words, as for a Backup's label: the created label
// <label>-<yyyyMMdd>-<HHmm> must start with two letters, digits or '_', so the prefix must, and has at least two.
@ValidationRule(value = "size(self.label) >= 2 && !self.label.startsWith('.') && !self.label.startsWith('-') && "
    + "!(self.label.charAt(1) in ['.', '-'])",
    message = "label must be at least 2 characters and start with two letters, digits or '_' (not '.' or '-'): "
        + "Backups are labelled <label>-<yyyyMMdd>-<HHmm>", fieldPath = ".label")
// A schedule's Backups all go to one place: changing it would split its retention over two stores.
@ValidationRule(value = "has(self.storageLocation) == has(oldSelf.storageLocation) && (!has(self.storageLocation) "
    + "|| self.storageLocation == oldSelf.storageLocation)", message = "storageLocation is immutable: create a new "
    + "BackupSchedule instead", fieldPath = ".storageLocation")
@ValidationRule(value = "has(self.cluster) == has(oldSelf.cluster) && (!has(self.cluster) || self.cluster == "
    + "oldSelf.cluster)", message = "cluster is immutable: create a new BackupSchedule instead", fieldPath = ".cluster")
public record BackupScheduleSpec(
    /** 5 cron fields (minute hour day-of-month month day-of-week), evaluated in UTC. */
    @Required String schedule,
    /**
     * Prefix of each Backup's DC/OS label, which is {@code <label>-<yyyyMMdd>-<HHmm>} (fire time, UTC): 2–11
     * characters of [A-Za-z0-9_.-], the first two letters, digits or '_', so the whole label keeps the DC/OS rule.
     */
    @Required @Pattern("^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{0,9}$") String label,
    /** No new Backups while true (retention still applies). */
    Boolean suspend,
    /** Forbid (default): a fire time while a backup of this schedule runs is skipped. Allow: it is queued. */
    ConcurrencyPolicy concurrencyPolicy,
    /**
     * A fire time not started within this many seconds (operator down) is skipped. Unset: no deadline. At least 10,
     * as Kubernetes CronJob advises: a run always starts a little after its fire time, so a smaller deadline would
     * skip runs that were on time (0 skipped every one).
     */
    @Min(10) Long startingDeadlineSeconds,
    Retention retention,
    /** Passed to every Backup the schedule creates (see Backup's spec.consistency); unset: Fenced. */
    BackupSpec.Consistency consistency,
    /** Passed to every Backup the schedule creates (see Backup's spec.storageLocation); unset: the default. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String storageLocation,
    /** Passed to every Backup the schedule creates (see Backup's spec.cluster); unset: {@code default}. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String cluster) {

  public BackupScheduleSpec(String schedule, String label, Boolean suspend, ConcurrencyPolicy concurrencyPolicy,
      Long startingDeadlineSeconds, Retention retention) {
    this(schedule, label, suspend, concurrencyPolicy, startingDeadlineSeconds, retention, null, null, null);
  }

  public BackupScheduleSpec(String schedule, String label, Boolean suspend, ConcurrencyPolicy concurrencyPolicy,
      Long startingDeadlineSeconds, Retention retention, BackupSpec.Consistency consistency) {
    this(schedule, label, suspend, concurrencyPolicy, startingDeadlineSeconds, retention, consistency, null, null);
  }

  public BackupScheduleSpec(String schedule, String label, Boolean suspend, ConcurrencyPolicy concurrencyPolicy,
      Long startingDeadlineSeconds, Retention retention, BackupSpec.Consistency consistency, String storageLocation) {
    this(schedule, label, suspend, concurrencyPolicy, startingDeadlineSeconds, retention, consistency, storageLocation,
        null);
  }

  public enum ConcurrencyPolicy { Forbid, Allow }

  /** Unset fields keep everything; see the README, "Scheduled backups and retention". */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Retention(
      /** Keep the N newest STATUS_READY backups (and the N newest failed ones). */
      @Min(1) Integer keepLast,
      /** Delete finished backups whose fire time is older: 30d, 72h, 1d12h (units d, h, m, s). */
      @Pattern("^([0-9]+[dhms])+$") String maxAge) {}

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }

  public ConcurrencyPolicy effectiveConcurrencyPolicy() {
    return concurrencyPolicy == null ? ConcurrencyPolicy.Forbid : concurrencyPolicy;
  }
}
