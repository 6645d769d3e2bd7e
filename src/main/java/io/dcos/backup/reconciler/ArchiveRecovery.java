package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.Failures;
import io.dcos.backup.control.StorageLocations;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.Manifest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives are the source of truth: on start and every {@code interval}, every verified archive in the store that no
 * Backup object claims (by {@code status.id}) gets one — STATUS_READY, same ID, label and figures,
 * {@code status.recoveredFromStore: true} and the annotation {@link #ANNOTATION} — so backups survive the loss of their
 * objects (a namespace deleted, a cluster rebuilt, a sandbox restarted on the same backup directory). Safety snapshots
 * ({@code pre-restore}) are recovered too: they are restorable backups. A corrupt or partial archive never is; it is
 * logged as a warning at every scan.
 *
 * <p>Status is a subresource: the object is created first, its status written next. Between the two the
 * BackupReconciler leaves an object carrying the annotation alone; if the operator dies in between, the next scan
 * finds the annotated object without a status and writes it.
 */
public final class ArchiveRecovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ArchiveRecovery.class);
  /** Value: the ID of the archive the object was recovered from. */
  public static final String ANNOTATION = "backup.dcos.io/recovered-from-store";

  private final KubernetesClient client;
  private final ArchiveStore store;
  private final StorageLocations locations;
  private final String namespace;
  private final Clock clock;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "archive-recovery");
    thread.setDaemon(true);
    return thread;
  });

  ArchiveRecovery(KubernetesClient client, ArchiveStore store, String namespace, Clock clock) {
    this(client, store, null, namespace, clock);
  }

  /** The MarathonCluster an archive was taken from; empty: none known (yet), so it is not recovered this scan. */
  @FunctionalInterface
  public interface ClusterOfArchive {
    Optional<String> clusterOf(Manifest manifest);

    ClusterOfArchive ALWAYS_DEFAULT = manifest -> Optional.of(MarathonCluster.DEFAULT_NAME);
  }

  private final ClusterOfArchive clusters;

  ArchiveRecovery(KubernetesClient client, ArchiveStore store, StorageLocations locations, String namespace,
      Clock clock) {
    this(client, store, locations, namespace, clock, ClusterOfArchive.ALWAYS_DEFAULT);
  }

  ArchiveRecovery(KubernetesClient client, ArchiveStore store, StorageLocations locations, String namespace,
      Clock clock, ClusterOfArchive clusters) {
    this.clusters = clusters;
    this.client = client;
    this.store = store;
    this.locations = locations;
    this.namespace = namespace;
    this.clock = clock;
  }

  /** Scans now, then every interval, on a thread of its own. */
  public static ArchiveRecovery start(KubernetesClient client, ArchiveStore store, String namespace,
      Duration interval, Clock clock) {
    return start(client, store, null, namespace, interval, clock);
  }

  /** As above, and every Available storage location other than the backup directory (ReadOnly ones too). */
  public static ArchiveRecovery start(KubernetesClient client, ArchiveStore store, StorageLocations locations,
      String namespace, Duration interval, Clock clock) {
    return start(client, store, locations, namespace, interval, clock, ClusterOfArchive.ALWAYS_DEFAULT);
  }

  /**
   * As above, each recovered Backup naming the MarathonCluster its archive was taken from ({@code spec.cluster}), so
   * that restoring it targets that Marathon and no other.
   */
  public static ArchiveRecovery start(KubernetesClient client, ArchiveStore store, StorageLocations locations,
      String namespace, Duration interval, Clock clock, ClusterOfArchive clusters) {
    ArchiveRecovery recovery = new ArchiveRecovery(client, store, locations, namespace, clock, clusters);
    recovery.executor.scheduleWithFixedDelay(recovery::scanQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return recovery;
  }

  /** A scan as soon as the recovery thread is free (a storage location just became Available). */
  public void scanSoon() {
    try {
      executor.execute(this::scanQuietly);
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // closing
    }
  }

  private void scanQuietly() {
    try {
      List<String> recovered = scan();
      if (!recovered.isEmpty()) {
        log.info("recovered {} Backup object(s) from the store into namespace {}: {}", recovered.size(), namespace,
            recovered);
      }
    } catch (Exception e) {
      log.warn("could not recover Backup objects from the store: {}", Failures.message(e));
    }
  }

  /** One pass; returns the IDs of the archives for which a Backup object was written. */
  public synchronized List<String> scan() throws IOException {
    Map<String, Backup> claimed = new HashMap<>();
    Map<String, Backup> pending = new HashMap<>();
    for (Backup backup : client.resources(Backup.class).inAnyNamespace().list().getItems()) {
      String id = backup.getStatus() == null ? null : backup.getStatus().id();
      if (id != null) {
        claimed.put(id, backup);
      }
      String from = backup.getMetadata().getAnnotations() == null ? null
          : backup.getMetadata().getAnnotations().get(ANNOTATION);
      if (from != null && id == null && namespace.equals(backup.getMetadata().getNamespace())) {
        pending.put(from, backup);
      }
    }
    List<String> recovered = new java.util.ArrayList<>();
    for (Manifest listed : store.list()) {
      String id = listed.id();
      if (claimed.containsKey(id)) {
        continue;
      }
      Manifest manifest = recoverable(id, store.directory().toString(), store::verify);
      if (manifest == null) {
        continue;
      }
      try {
        Backup object = pending.containsKey(id) ? pending.get(id) : create(manifest, null);
        writeStatus(object, manifest, null, store.location(manifest.id()).getFileName().toString(),
            store.location(manifest.id()).toString(), "in the backup directory", null);
        recovered.add(id);
        claimed.put(id, object);
      } catch (KubernetesClientException e) {
        log.warn("could not recover a Backup object for archive {}: {}", id, Failures.message(e));
      }
    }
    if (locations != null) {
      for (StorageLocations.Resolved where : locations.available()) {
        if (!where.location().primary()) {
          scanLocation(where, claimed, pending, recovered);
        }
      }
    }
    return recovered;
  }

  /** Velero's backup sync: archives in a location without a Backup object get one, naming the location. */
  private void scanLocation(StorageLocations.Resolved where, Map<String, Backup> claimed, Map<String, Backup> pending,
      List<String> recovered) {
    ArchiveLocation location = where.location();
    List<String> ids;
    try {
      ids = location.ids();
    } catch (IOException e) {
      log.warn("could not list storage location {} ({}): {}", where.name(), location.where(),
          Failures.message(e));
      return;
    }
    for (String id : ids) {
      if (claimed.containsKey(id)) {
        continue;
      }
      Manifest manifest = recoverable(id, location.where(), location::verify);
      if (manifest == null) {
        continue;
      }
      try {
        Backup object = pending.containsKey(id) ? pending.get(id) : create(manifest, where.name());
        writeStatus(object, manifest, where.name(), location.objectKey(id), location.describe(id),
            "in storage location " + where.name() + " (" + location.where() + ")", storedKeyId(location, id));
        recovered.add(id);
        claimed.put(id, object);
      } catch (KubernetesClientException e) {
        log.warn("could not recover a Backup object for archive {}: {}", id, Failures.message(e));
      }
    }
  }

  private interface Verifier {
    Manifest verify(String id) throws IOException;
  }

  /** The archive's manifest if it verifies and its label is valid; null (said why in the log) otherwise. */
  private Manifest recoverable(String id, String where, Verifier verifier) {
    Manifest manifest;
    try {
      manifest = verifier.verify(id);
    } catch (IOException e) {
      log.warn("archive {} in {} has no Backup object and is NOT recovered: it does not verify ({})", id, where,
          Failures.message(e));
      return null;
    }
    if (BackupLabels.validate(manifest.label()).isPresent()) {
      log.warn("archive {} has no Backup object and is NOT recovered: its label {} is not a valid label", id,
          manifest.label());
      return null;
    }
    if (clusters.clusterOf(manifest).isEmpty()) {
      // A Backup naming the wrong cluster would restore one Marathon's state into another: wait for its cluster.
      log.warn("archive {} has no Backup object and is not recovered yet: no MarathonCluster (or several) has its "
          + "ZooKeeper path {} (hosts {}); it is recovered once exactly one does", id, manifest.zkPath(),
          manifest.sourceHosts());
      return null;
    }
    return manifest;
  }

  private Backup create(Manifest manifest, String storageLocation) {
    Backup backup = new Backup();
    backup.getMetadata().setNamespace(namespace);
    backup.getMetadata().setName(objectName(manifest.id()));
    backup.getMetadata().setAnnotations(Map.of(ANNOTATION, manifest.id()));
    backup.getMetadata().setLabels(Map.of("backup.dcos.io/recovered", "true"));
    String of = clusters.clusterOf(manifest).orElseThrow(() -> new IllegalStateException("archive " + manifest.id()
        + ": its MarathonCluster went away while it was recovered"));
    String cluster = of.equals(MarathonCluster.DEFAULT_NAME) ? null : of;
    backup.setSpec(new BackupSpec(manifest.label(), null, storageLocation, cluster));
    try {
      return client.resource(backup).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      Backup existing = client.resource(backup).get();
      if (existing != null && existing.getMetadata().getAnnotations() != null
          && manifest.id().equals(existing.getMetadata().getAnnotations().get(ANNOTATION))) {
        return existing; // another replica recovered it at the same moment
      }
      // The name is taken by an unrelated object: keep the ID recognisable, make the name unique.
      backup.getMetadata().setName(objectName(manifest.id()).substring(0, Math.min(objectName(manifest.id()).length(),
          240)) + "-r" + Long.toString(clock.millis() % 100_000, 36));
      return client.resource(backup).create();
    }
  }

  /** The key id the archive's header names; null when in plaintext, or when it cannot be read (said in the log). */
  private static String storedKeyId(ArchiveLocation location, String id) {
    try {
      return location.encryptionKeyId(id).orElse(null);
    } catch (IOException e) {
      log.warn("archive {} in {}: its encryption header could not be read: {}", id, location.where(),
          Failures.message(e));
      return null;
    }
  }

  private void writeStatus(Backup object, Manifest manifest, String storageLocation, String objectKey,
      String where, String in, String encryptionKeyId) {
    String message = "recovered from archive " + manifest.id() + " " + in + " (its Backup object was "
        + "lost): " + manifest.znodes() + " znodes, " + manifest.bytes() + " bytes, verified";
    Long generation = object.getMetadata().getGeneration();
    String created = manifest.created() == null ? null : Times.format(manifest.created());
    BackupStatus status = BackupStatusBuilder.from(null, generation, clock.instant())
        .id(manifest.id())
        .phase(Phase.STATUS_READY)
        .timestamp(created)
        .message(message)
        .marathonVersion(manifest.marathonVersion())
        .location(where)
        .figures(manifest.znodes(), manifest.bytes(), manifest.sha256())
        .recoveredFromStore(Boolean.TRUE)
        .storageVersion(manifest.storageVersion())
        .storageLocation(storageLocation, objectKey)
        .encryptionKeyId(encryptionKeyId)
        .ready("RecoveredFromStore", message)
        .build();
    Backup current = object;
    for (int attempt = 1; ; attempt++) {
      current.setStatus(status);
      try {
        client.resource(current).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        // The finalizer was added in between: write on the newer version (nothing else writes this status).
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
        current = Optional.ofNullable(client.resource(current).get()).orElseThrow(() -> e);
        if (current.getStatus() != null && current.getStatus().id() != null) {
          return;
        }
      }
    }
  }

  /** A DNS-1123 subdomain from the ID (labels may hold upper case, '_' and '.'). */
  static String objectName(String id) {
    String name = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[^a-z0-9]+", "");
    name = name.length() > 253 ? name.substring(0, 253) : name;
    return name.replaceAll("[^a-z0-9]+$", "");
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
