package io.dcos.backup.control;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;
import io.dcos.backup.engine.BackupService;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes it loud that Marathon is down on purpose: while its state holds the restore's storage-version sentinel
 * (an operator died during a restore), every Marathon refuses the state. On start and every {@code interval}: the
 * gauge {@code marathon_backup_marathon_guarded}, and a Warning Event on the unfinished Restore (which the
 * RestoreReconciler resumes). When no Restore is left to resume it, the log, the Event (on the Restore or Backup
 * the journal names, if any is left) and the README say what to do: restore a named backup.
 */
public final class MarathonGuardWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonGuardWatch.class);

  private final KubernetesClient client;
  /** Every Marathon's service, by MarathonCluster name, as it is at each check. */
  private final Supplier<Map<String, BackupService>> services;
  private final EventRecorder events;
  private final OperationMetrics metrics;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "marathon-guard-watch");
    thread.setDaemon(true);
    return thread;
  });

  MarathonGuardWatch(KubernetesClient client, Supplier<Map<String, BackupService>> services, EventRecorder events,
      OperationMetrics metrics) {
    this.client = client;
    this.services = services;
    this.events = events;
    this.metrics = metrics;
  }

  public static MarathonGuardWatch start(KubernetesClient client, BackupService service, EventRecorder events,
      OperationMetrics metrics, Duration interval) {
    return start(client, () -> Map.of(io.dcos.backup.api.MarathonCluster.DEFAULT_NAME, service), events, metrics,
        interval);
  }

  /** Watches every Marathon {@code services} names (each check asks it again: clusters come and go). */
  public static MarathonGuardWatch start(KubernetesClient client, Supplier<Map<String, BackupService>> services,
      EventRecorder events, OperationMetrics metrics, Duration interval) {
    MarathonGuardWatch watch = new MarathonGuardWatch(client, services, events, metrics);
    watch.executor.scheduleWithFixedDelay(watch::checkQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return watch;
  }

  private void checkQuietly() {
    services.get().forEach((cluster, service) -> {
      try {
        check(cluster, service);
      } catch (Exception e) {
        log.debug("could not check the state of MarathonCluster {} for the restore sentinel: {}", cluster,
            Failures.message(e));
      }
    });
  }

  void check() throws Exception {
    for (var entry : services.get().entrySet()) {
      check(entry.getKey(), entry.getValue());
    }
  }

  private void check(String cluster, BackupService service) throws Exception {
    Optional<BackupService.Guarded> guarded = service.guarded();
    metrics.marathonGuarded(cluster, guarded.isPresent());
    if (guarded.isEmpty()) {
      return;
    }
    BackupService.Guarded g = guarded.get();
    List<Restore> restores = g.known() ? client.resources(Restore.class).inAnyNamespace().list().getItems().stream()
        .filter(r -> r.getStatus() != null && g.safetySnapshotId().equals(r.getStatus().safetySnapshotId()))
        .toList() : List.of();
    Optional<Restore> unfinished = restores.stream()
        .filter(r -> r.getStatus().phase() == null || !r.getStatus().phase().isTerminal()).findFirst();
    String down = "Marathon (MarathonCluster " + cluster + ") is down on purpose: its state holds the storage-version sentinel of an unfinished restore"
        + (g.known() ? " of " + g.backupId() + (g.rollback() ? " (rolling back to " + g.safetySnapshotId() + ")" : "")
            : "") + ", so every Marathon refuses it instead of running on a half-written state";
    if (unfinished.isPresent()) {
      log.warn("{}; Restore {}/{} resumes it", down, unfinished.get().getMetadata().getNamespace(),
          unfinished.get().getMetadata().getName());
      events.warning(unfinished.get(), "MarathonGuarded", down + "; this Restore resumes it now");
      return;
    }
    String message = down + ", and no Restore object is left to finish it: " + g.instructions();
    log.error("{}", message);
    if (!restores.isEmpty()) {
      events.warning(restores.get(0), "MarathonGuarded", message);
    } else if (g.known()) {
      client.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .filter(b -> b.getStatus() != null && g.backupId().equals(b.getStatus().id())).findFirst()
          .ifPresent(b -> events.warning(b, "MarathonGuarded", message));
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      // A check still running would use services about to be closed; it ends within its connect timeout.
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
