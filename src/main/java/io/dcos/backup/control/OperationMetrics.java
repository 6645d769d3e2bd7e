package io.dcos.backup.control;

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
 * (`…_success_total`, `…_last_successful_timestamp`) carry over. Every series but the schedules' carries the label
 * {@code cluster}: the MarathonCluster (one Marathon) it is about; {@code default} is the operator's environment.
 */
public final class OperationMetrics {
  private static final String PREFIX = "marathon_backup_";
  private final MeterRegistry registry;
  private final java.util.Map<String, ClusterGauges> clusters = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, ScheduleGauges> schedules = new java.util.concurrent.ConcurrentHashMap<>();

  /** Per schedule: how late its last run started, and when its newest ready backup was taken. */
  private record ScheduleGauges(java.util.concurrent.atomic.AtomicReference<Double> lagSeconds,
      AtomicLong lastSuccessEpochSeconds, List<io.micrometer.core.instrument.Meter> meters) {}

  /** One Marathon's gauges and leaderless summaries, registered the first time the cluster is seen. */
  private record ClusterGauges(AtomicLong lastBackupSuccess, AtomicLong lastRestoreSuccess,
      AtomicLong lastArchiveBytes, AtomicLong lastArchiveZnodes, AtomicLong marathonGuarded,
      DistributionSummary backupLeaderless, DistributionSummary restoreLeaderless) {}

  public OperationMetrics(MeterRegistry registry) {
    this.registry = registry;
    // The default cluster's series from the start, zero-valued, so rate() and absent-alerts work before the first
    // operation (another cluster's appear when it is first used or checked).
    cluster(io.dcos.backup.api.MarathonCluster.DEFAULT_NAME);
  }

  private ClusterGauges cluster(String name) {
    return clusters.computeIfAbsent(name, cluster -> {
      ClusterGauges gauges = new ClusterGauges(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong(),
          new AtomicLong(), leaderless(registry, cluster, "backup"), leaderless(registry, cluster, "restore"));
      gauge("backup_last_successful_timestamp_seconds", cluster, gauges.lastBackupSuccess(),
          "Completion time of the newest STATUS_READY backup");
      gauge("restore_last_successful_timestamp_seconds", cluster, gauges.lastRestoreSuccess(),
          "Completion time of the newest successful restore");
      gauge("backup_archive_bytes", cluster, gauges.lastArchiveBytes(), "Bytes of the last backup's znodes");
      gauge("backup_archive_znodes", cluster, gauges.lastArchiveZnodes(), "Znodes in the last backup");
      // 1 while Marathon's state holds the restore sentinel: every Marathon refuses it, on purpose, until a restore
      // finishes. Alert on it: it is an outage until the unfinished restore is finished or a backup is restored.
      gauge("marathon_guarded", cluster, gauges.marathonGuarded(),
          "1 while Marathon's state holds the restore's storage-version sentinel (Marathon cannot run)");
      for (String kind : new String[] {"backup", "restore"}) {
        for (String outcome : new String[] {"success", "failure"}) {
          counter(cluster, kind, outcome);
        }
      }
      return gauges;
    });
  }

  private void gauge(String name, String cluster, AtomicLong value, String description) {
    io.micrometer.core.instrument.Gauge.builder(PREFIX + name, value, AtomicLong::get)
        .description(description)
        .tag("cluster", cluster)
        .register(registry);
  }

  /** Labelled by operation: a restore's window grows with what it changes, a backup's with what changed meanwhile. */
  private static DistributionSummary leaderless(MeterRegistry registry, String cluster, String operation) {
    return DistributionSummary.builder(PREFIX + "marathon_leaderless_seconds")
        .description("How long Marathon had no elected leader because of a backup or restore")
        .baseUnit("seconds")
        .tag("cluster", cluster)
        .tag("operation", operation)
        .publishPercentileHistogram()
        .register(registry);
  }

  /** Whether the default cluster's Marathon state holds the restore sentinel now. */
  public void marathonGuarded(boolean guarded) {
    marathonGuarded(io.dcos.backup.api.MarathonCluster.DEFAULT_NAME, guarded);
  }

  /** Whether this cluster's Marathon state holds the restore sentinel now. */
  public void marathonGuarded(String cluster, boolean guarded) {
    cluster(cluster).marathonGuarded().set(guarded ? 1 : 0);
  }

  public static OperationMetrics discarding() {
    return new OperationMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  public void backupSucceeded(String cluster, Duration took, long bytes, long znodes, Duration marathonLeaderless,
      Instant now) {
    ClusterGauges gauges = cluster(cluster);
    counter(cluster, "backup", "success").increment();
    timer(cluster, "backup", "success").record(took);
    gauges.lastBackupSuccess().accumulateAndGet(now.getEpochSecond(), Math::max);
    gauges.lastArchiveBytes().set(bytes);
    gauges.lastArchiveZnodes().set(znodes);
    gauges.backupLeaderless().record(marathonLeaderless.toMillis() / 1000.0);
  }

  /**
   * A STATUS_READY Backup seen by a reconcile (at startup every existing one is): the last-success gauge is at least
   * its completion time, so it does not read 0 after an operator restart or failover and fire a staleness alert.
   */
  public void backupReadyObserved(String cluster, Instant completedAt) {
    cluster(cluster).lastBackupSuccess().accumulateAndGet(completedAt.getEpochSecond(), Math::max);
  }

  public void backupFailed(String cluster, Duration took) {
    counter(cluster, "backup", "failure").increment();
    timer(cluster, "backup", "failure").record(took);
  }

  public void restoreSucceeded(String cluster, Duration took, Duration marathonLeaderless, Instant now) {
    ClusterGauges gauges = cluster(cluster);
    counter(cluster, "restore", "success").increment();
    timer(cluster, "restore", "success").record(took);
    gauges.lastRestoreSuccess().set(now.getEpochSecond());
    gauges.restoreLeaderless().record(marathonLeaderless.toMillis() / 1000.0);
  }

  public void scheduleObserved(String schedule, Double lagSeconds, Instant lastSuccess) {
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
  public void scheduleRemoved(String schedule) {
    ScheduleGauges gauges = schedules.remove(schedule);
    if (gauges != null) {
      gauges.meters().forEach(registry::remove);
    }
  }

  public void restoreFailed(String cluster, Duration took) {
    counter(cluster, "restore", "failure").increment();
    timer(cluster, "restore", "failure").record(took);
  }

  private Counter counter(String cluster, String kind, String outcome) {
    return Counter.builder(PREFIX + kind + "s_total")
        .description("Finished " + kind + "s by outcome")
        .tag("cluster", cluster)
        .tag("outcome", outcome)
        .register(registry);
  }

  private Timer timer(String cluster, String kind, String outcome) {
    return Timer.builder(PREFIX + kind + "_duration")
        .description("Time a " + kind + " ran, from start to verified result")
        .tag("cluster", cluster)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry);
  }
}
