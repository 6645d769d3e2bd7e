package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.control.Failures;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationStatus;
import io.dcos.backup.api.BackupStorageLocationStatus.LocationPhase;
import io.dcos.backup.store.ArchiveLocation;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks each BackupStorageLocation now and every {@code interval}: Available when the store answers (the bucket
 * exists and the credentials may list it; the directory exists and is writable), otherwise Unavailable with the
 * store's reason. The gauge {@code marathon_backup_storage_location_available{location}} is 1 or 0.
 */
@ControllerConfiguration(name = "backupstoragelocation")
public final class BackupStorageLocationReconciler implements Reconciler<BackupStorageLocation> {
  private static final Logger log = LoggerFactory.getLogger(BackupStorageLocationReconciler.class);
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  private final StorageLocations locations;
  private final Clock clock;
  private final Duration interval;
  private final MeterRegistry registry;
  private final Map<String, AtomicInteger> available = new ConcurrentHashMap<>();

  public BackupStorageLocationReconciler(StorageLocations locations, Clock clock, Duration interval,
      MeterRegistry registry) {
    this.locations = locations;
    this.clock = clock;
    this.interval = interval;
    this.registry = registry;
  }

  @Override
  public UpdateControl<BackupStorageLocation> reconcile(BackupStorageLocation object,
      Context<BackupStorageLocation> context) {
    String name = object.getMetadata().getName();
    LocationPhase phase;
    String message;
    String where = null;
    try {
      ArchiveLocation location = locations.open(object);
      where = location.where();
      location.check();
      phase = LocationPhase.Available;
      message = (location.readOnly() ? "readable (ReadOnly)" : "reachable and writable") + ": " + location.where();
    } catch (IOException | RuntimeException e) {
      phase = LocationPhase.Unavailable;
      message = Failures.message(e);
    }
    BackupStorageLocationStatus before = object.getStatus();
    if (before == null || before.phase() != phase) {
      if (phase == LocationPhase.Unavailable) {
        log.warn("storage location {} is Unavailable: {}", name, message);
      } else {
        log.info("storage location {} is Available: {}", name, message);
      }
    }
    object.setStatus(new BackupStorageLocationStatus(phase, message, Times.format(clock.instant()), where,
        object.getMetadata().getGeneration()));
    context.getClient().resource(object).updateStatus();
    if ((before == null || before.phase() != phase) && phase == LocationPhase.Available) {
      locations.becameAvailable();
    }
    available.computeIfAbsent(name, n -> {
      AtomicInteger value = new AtomicInteger();
      if (registry != null) {
        Gauge.builder("marathon_backup_storage_location_available", value, AtomicInteger::get)
            .description("1 when the storage location's last check succeeded, 0 when it is Unavailable")
            .tag("location", n)
            .register(registry);
      }
      return value;
    }).set(phase == LocationPhase.Available ? 1 : 0);
    return UpdateControl.<BackupStorageLocation>noUpdate().rescheduleAfter(interval);
  }
}
