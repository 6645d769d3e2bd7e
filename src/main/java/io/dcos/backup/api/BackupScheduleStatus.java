package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Times are RFC 3339 (UTC). The schedule's lag and last success are here, for alerts and dashboards. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupScheduleStatus(
    /** The latest fire time a Backup was created for. */
    String lastScheduleTime,
    /** Seconds between that fire time and the Backup's creation: how late the operator was. */
    Double lastScheduleLagSeconds,
    /** The latest fire time skipped (Forbid while one ran, or past startingDeadlineSeconds); why: Events. */
    String lastSkippedTime,
    /** ID of the newest STATUS_READY backup of this schedule. */
    String lastSuccessfulBackup,
    /** Fire time of that backup. */
    String lastSuccessfulTime,
    /** Name of the newest failed backup of this schedule (a Warning Event was recorded for it). */
    String lastFailedBackup,
    /** Fire time of that backup. */
    String lastFailureTime,
    /** The next fire time; unset while suspended or invalid. */
    String nextScheduleTime,
    /** This schedule's Backups still running (or queued). */
    List<ActiveBackup> active,
    List<Condition> conditions,
    Long observedGeneration) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ActiveBackup(String name, String scheduledTime) {}
}
