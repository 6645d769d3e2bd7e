package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.api.MarathonClusterStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterProbe;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.TargetConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a MarathonCluster: observe (the spec and the Secrets it names) → validate (build the connection; a missing
 * Secret or a bad URL is InvalidSpec) → act (register it, so Backups and Restores naming it find it; look at ZooKeeper
 * and Marathon without touching {@code <zk>/state}) → status, patched only when it changed; again every
 * {@code interval}. Deleting the object unregisters it: operations still queued for it fail when their turn comes.
 */
@ControllerConfiguration(name = "marathoncluster")
public final class MarathonClusterReconciler implements Reconciler<MarathonCluster>, Cleaner<MarathonCluster> {
  private static final Logger log = LoggerFactory.getLogger(MarathonClusterReconciler.class);
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
  /** An unreachable (or invalid) cluster is looked at again at least this often. */
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(10);

  private final MarathonClusters clusters;
  /** The service built from the operator's environment: what the {@code default} cluster created from it uses. */
  private final BackupService environment;
  private final String operatorNamespace;
  private final Duration interval;
  /** Where Backups naming a cluster can be: the namespaces the operator watches (empty: all). */
  private final Set<String> backupNamespaces;
  private final ClusterSpecs specs;
  private final MarathonClusterStatusBuilder statuses;

  public MarathonClusterReconciler(MarathonClusters clusters, BackupService environment, String operatorNamespace,
      Clock clock, Duration interval) {
    this(clusters, environment, operatorNamespace, clock, interval, Set.of());
  }

  public MarathonClusterReconciler(MarathonClusters clusters, BackupService environment, String operatorNamespace,
      Clock clock, Duration interval, Set<String> backupNamespaces) {
    this.clusters = clusters;
    this.environment = environment;
    this.operatorNamespace = operatorNamespace;
    this.interval = interval;
    this.backupNamespaces = backupNamespaces.isEmpty() ? Constants.WATCH_ALL_NAMESPACE_SET : backupNamespaces;
    this.specs = new ClusterSpecs(environment, operatorNamespace);
    this.statuses = new MarathonClusterStatusBuilder(clock);
  }

  /**
   * A Backup that becomes STATUS_READY, or a ready one that is deleted, wakes the cluster it names, so that
   * status.lastSuccessfulBackup says so now rather than at the next periodic check. A running backup's progress wakes
   * nothing.
   */
  @Override
  public List<EventSource<?, MarathonCluster>> prepareEventSources(EventSourceContext<MarathonCluster> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Backup.class, MarathonCluster.class)
        .withName("cluster-backups")
        .withNamespaces(backupNamespaces)
        .withSecondaryToPrimaryMapper((Backup backup) -> backup.getSpec() == null ? Set.of()
            : Set.of(new ResourceID(backup.getSpec().clusterOrDefault(), operatorNamespace)))
        .withOnAddFilter(MarathonClusterReconciler::isReady)
        .withOnUpdateFilter((now, before) -> isReady(now) && !isReady(before))
        .withOnDeleteFilter((backup, unknownState) -> isReady(backup))
        .build(), context));
  }

  private static boolean isReady(Backup backup) {
    return backup.getStatus() != null && backup.getStatus().phase() == Phase.STATUS_READY;
  }

  /** The operator's environment configuration as the MarathonCluster {@code default}, created when absent. */
  public static void createDefaultIfAbsent(KubernetesClient client, String namespace, TargetConfig config) {
    DefaultCluster.createIfAbsent(client, namespace, config);
  }

  @Override
  public UpdateControl<MarathonCluster> reconcile(MarathonCluster cluster, Context<MarathonCluster> context) {
    String name = cluster.getMetadata().getName();
    MarathonClusterSpec spec = cluster.getSpec();
    Set<String> allowed = allowedNamespaces(spec);
    String storageLocation = spec == null ? null : spec.storageLocation();
    MarathonClusters.Cluster registered;
    if (DefaultCluster.is(cluster, environment)) {
      registered = clusters.registerExternal(name, environment, allowed, storageLocation);
    } else {
      List<String> references = new ArrayList<>();
      TargetConfig config;
      try {
        config = specs.targetConfig(name, spec, context.getClient(), references);
      } catch (IllegalArgumentException e) {
        clusters.unusable(name, null, allowed, e.getMessage());
        return patchIfChanged(context, cluster, statuses.invalid(context.getClient(), cluster, e.getMessage()));
      }
      String fingerprint = spec + "|" + String.join(",", references);
      registered = clusters.register(name, fingerprint, allowed, storageLocation, () -> new BackupService(config));
    }
    ClusterProbe.Result probe;
    try {
      probe = ClusterProbe.check(registered.service().config());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UpdateControl.noUpdate();
    }
    return patchIfChanged(context, cluster, statuses.probed(context.getClient(), cluster, probe));
  }

  @Override
  public DeleteControl cleanup(MarathonCluster cluster, Context<MarathonCluster> context) {
    clusters.remove(cluster.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  /** Unset or empty: only the operator's own namespace. */
  private Set<String> allowedNamespaces(MarathonClusterSpec spec) {
    if (spec == null || spec.allowedNamespaces() == null || spec.allowedNamespaces().isEmpty()) {
      return Set.of(operatorNamespace);
    }
    return new LinkedHashSet<>(spec.allowedNamespaces().stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
  }

  private UpdateControl<MarathonCluster> patchIfChanged(Context<MarathonCluster> context, MarathonCluster cluster,
      MarathonClusterStatus next) {
    MarathonClusterStatus before = cluster.getStatus();
    if (!Objects.equals(before, next)) {
      if (before == null || !Objects.equals(before.reachable(), next.reachable())) {
        if (Boolean.TRUE.equals(next.reachable())) {
          log.info("MarathonCluster {} is reachable: {}", cluster.getMetadata().getName(), next.message());
        } else {
          log.warn("MarathonCluster {} is not ready: {}", cluster.getMetadata().getName(), next.message());
        }
      }
      cluster.setStatus(next);
      context.getClient().resource(cluster).updateStatus();
    }
    boolean ready = Boolean.TRUE.equals(next.reachable());
    return UpdateControl.<MarathonCluster>noUpdate().rescheduleAfter(ready || interval.compareTo(RETRY_INTERVAL) < 0
        ? interval : RETRY_INTERVAL);
  }
}
