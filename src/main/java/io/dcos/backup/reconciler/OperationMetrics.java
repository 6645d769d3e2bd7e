package io.dcos.backup.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Backup and restore outcomes as Prometheus metrics, named like Velero's so existing dashboards and alerts
 * (`…_success_total`, `…_last_successful_timestamp`) carry over.
 */
public final class OperationMetrics {
  private static final String PREFIX = "marathon_backup_";
  private final MeterRegistry registry;
  private final AtomicLong lastBackupSuccess = new AtomicLong();
  private final AtomicLong lastRestoreSuccess = new AtomicLong();
  private final AtomicLong lastArchiveBytes = new AtomicLong();
  private final AtomicLong lastArchiveZnodes = new AtomicLong();
  private final AtomicLong marathonGuarded = new AtomicLong();
  private final DistributionSummary backupLeaderless;
  private final DistributionSummary restoreLeaderless;
  private final java.util.Map<String, ScheduleGauges> schedules = new java.util.concurrent.ConcurrentHashMap<>();

  /** Per schedule: how late its last run started, and when its newest ready backup was taken. */
  private record ScheduleGauges(java.util.concurrent.atomic.AtomicReference<Double> lagSeconds,
      AtomicLong lastSuccessEpochSeconds, List<io.micrometer.core.instrument.Meter> meters) {}

  public OperationMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge(PREFIX + "backup_last_successful_timestamp_seconds", lastBackupSuccess, AtomicLong::get);
    registry.gauge(PREFIX + "restore_last_successful_timestamp_seconds", lastRestoreSuccess, AtomicLong::get);
    registry.gauge(PREFIX + "backup_archive_bytes", lastArchiveBytes, AtomicLong::get);
    registry.gauge(PREFIX + "backup_archive_znodes", lastArchiveZnodes, AtomicLong::get);
    // 1 while Marathon's state holds the restore sentinel: every Marathon refuses it, on purpose, until a restore
    // finishes. Alert on it: it is an outage until the unfinished restore is finished or a backup is restored.
    io.micrometer.core.instrument.Gauge.builder(PREFIX + "marathon_guarded", marathonGuarded, AtomicLong::get)
        .description("1 while Marathon's state holds the restore's storage-version sentinel (Marathon cannot run)")
        .register(registry);
    backupLeaderless = leaderless(registry, "backup");
    restoreLeaderless = leaderless(registry, "restore");
    // Zero-valued series from the start, so rate() and absent-alerts work before the first operation.
    for (String kind : new String[] {"backup", "restore"}) {
      for (String outcome : new String[] {"success", "failure"}) {
        counter(kind, outcome);
      }
    }
  }

  /** Labelled by operation: a restore's window grows with what it changes, a backup's with what changed meanwhile. */
  private static DistributionSummary leaderless(MeterRegistry registry, String operation) {
    return DistributionSummary.builder(PREFIX + "marathon_leaderless_seconds")
        .description("How long Marathon had no elected leader because of a backup or restore")
        .baseUnit("seconds")
        .tag("operation", operation)
        .publishPercentileHistogram()
        .register(registry);
  }

  /** Whether Marathon's state holds the restore sentinel now. */
  public void marathonGuarded(boolean guarded) {
    marathonGuarded.set(guarded ? 1 : 0);
  }

  /** Whether this cluster's Marathon state holds the restore sentinel now. */
  public void marathonGuarded(String cluster, boolean guarded) {
    marathonGuarded(guarded);
  }

  public static OperationMetrics discarding() {
    return new OperationMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  void backupSucceeded(Duration took, long bytes, long znodes, Duration marathonLeaderless, Instant now) {
    counter("backup", "success").increment();
    timer("backup", "success").record(took);
    lastBackupSuccess.accumulateAndGet(now.getEpochSecond(), Math::max);
    lastArchiveBytes.set(bytes);
    lastArchiveZnodes.set(znodes);
    backupLeaderless.record(marathonLeaderless.toMillis() / 1000.0);
  }

  /**
   * A STATUS_READY Backup seen by a reconcile (at startup every existing one is): the last-success gauge is at least
   * its completion time, so it does not read 0 after an operator restart or failover and fire a staleness alert.
   */
  void backupReadyObserved(Instant completedAt) {
    lastBackupSuccess.accumulateAndGet(completedAt.getEpochSecond(), Math::max);
  }

  void backupFailed(Duration took) {
    counter("backup", "failure").increment();
    timer("backup", "failure").record(took);
  }

  void restoreSucceeded(Duration took, Duration marathonLeaderless, Instant now) {
    counter("restore", "success").increment();
    timer("restore", "success").record(took);
    lastRestoreSuccess.set(now.getEpochSecond());
    restoreLeaderless.record(marathonLeaderless.toMillis() / 1000.0);
  }

  void scheduleObserved(String schedule, Double lagSeconds, Instant lastSuccess) {
    ScheduleGauges gauges = schedules.computeIfAbsent(schedule, name -> {
      var lag = new java.util.concurrent.atomic.AtomicReference<>(0.0);
      var lastSuccessSeconds = new AtomicLong();
      List<io.micrometer.core.instrument.Meter> meters = List.of(
          io.micrometer.core.instrument.Gauge.builder(PREFIX + "schedule_lag_seconds", lag,
                  java.util.concurrent.atomic.AtomicReference::get)
              .description("How late the schedule's last backup was created after its fire time")
              .tag("schedule", name).register(registry),
          io.micrometer.core.instrument.Gauge.builder(PREFIX + "schedule_last_successful_timestamp_seconds",
                  lastSuccessSeconds, AtomicLong::get)
              .description("Fire time of the schedule's newest STATUS_READY backup")
              .tag("schedule", name).register(registry));
      return new ScheduleGauges(lag, lastSuccessSeconds, meters);
    });
    if (lagSeconds != null) {
      gauges.lagSeconds().set(lagSeconds);
    }
    if (lastSuccess != null) {
      gauges.lastSuccessEpochSeconds().set(lastSuccess.getEpochSecond());
    }
  }

  /** A deleted schedule's series go with it: no stale last-success time for an alert to fire on. */
  void scheduleRemoved(String schedule) {
    ScheduleGauges gauges = schedules.remove(schedule);
    if (gauges != null) {
      gauges.meters().forEach(registry::remove);
    }
  }

  void restoreFailed(Duration took) {
    counter("restore", "failure").increment();
    timer("restore", "failure").record(took);
  }

  private Counter counter(String kind, String outcome) {
    return Counter.builder(PREFIX + kind + "s_total")
        .description("Finished " + kind + "s by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  private Timer timer(String kind, String outcome) {
    return Timer.builder(PREFIX + kind + "_duration")
        .description("Time a " + kind + " ran, from start to verified result")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry);
  }
}
