package io.dcos.backup.operator;

import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.reconciler.MarathonClusterReconciler;
import io.dcos.backup.reconciler.ArchiveRecovery;
import io.dcos.backup.control.MarathonGuardWatch;
import io.dcos.backup.reconciler.BackupReconciler;
import io.dcos.backup.reconciler.BackupScheduleReconciler;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.OperationMetrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.reconciler.RestoreReconciler;
import io.dcos.backup.reconciler.BackupStorageLocationReconciler;
import io.dcos.backup.control.StorageLocations;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** The operator's moving parts wired together: one queue (a lane per Marathon), the engines, the reconcilers, JOSDK. */
public final class OperatorRuntime implements AutoCloseable {

  /**
   * @param namespaces namespaces to watch; empty = all
   * @param leaderElectionNamespace where the Lease lives when several replicas run; empty = no leader election
   * @param serverSideApply false against API servers without server-side apply (Fabric8's mock)
   * @param recoveryNamespace where Backup objects for archives without one are created; empty = no recovery
   * @param recoveryInterval how often the store is scanned for such archives (also once at start)
   * @param scheduleCheckInterval the longest a schedule sleeps without looking at the clock
   */
  public record Options(Set<String> namespaces, Optional<String> leaderElectionNamespace, boolean serverSideApply,
      Clock clock, String managementHost, int managementPort, Optional<String> recoveryNamespace,
      Duration recoveryInterval, Duration scheduleCheckInterval, Duration locationCheckInterval,
      Duration clusterCheckInterval) {

    public Options(Set<String> namespaces, Optional<String> leaderElectionNamespace, boolean serverSideApply,
        Clock clock, String managementHost, int managementPort, Optional<String> recoveryNamespace,
        Duration recoveryInterval, Duration scheduleCheckInterval, Duration locationCheckInterval) {
      this(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          recoveryNamespace, recoveryInterval, scheduleCheckInterval, locationCheckInterval,
          MarathonClusterReconciler.DEFAULT_INTERVAL);
    }

    public Options(Set<String> namespaces, Optional<String> leaderElectionNamespace, boolean serverSideApply,
        Clock clock, String managementHost, int managementPort, Optional<String> recoveryNamespace,
        Duration recoveryInterval, Duration scheduleCheckInterval) {
      this(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          recoveryNamespace, recoveryInterval, scheduleCheckInterval, BackupStorageLocationReconciler.DEFAULT_INTERVAL);
    }

    public Options(Set<String> namespaces, Optional<String> leaderElectionNamespace, boolean serverSideApply,
        Clock clock, String managementHost, int managementPort) {
      this(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          Optional.empty(), DEFAULT_RECOVERY_INTERVAL, BackupScheduleReconciler.DEFAULT_MAX_WAIT);
    }

    /**
     * For the embedded world: no SSA (the mock has none), management endpoints on a free loopback port, archives
     * without a Backup object recovered into `default`.
     */
    public static Options embedded() {
      return new Options(Set.of(), Optional.empty(), false, Clock.systemUTC(), "127.0.0.1", 0,
          Optional.of("default"), DEFAULT_RECOVERY_INTERVAL, BackupScheduleReconciler.DEFAULT_MAX_WAIT);
    }

    public Options withRecovery(Optional<String> namespace, Duration interval) {
      return new Options(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          namespace, interval, scheduleCheckInterval, locationCheckInterval, clusterCheckInterval);
    }

    /** How often every BackupStorageLocation is checked (also at start and on every change). */
    public Options withLocationCheckInterval(Duration interval) {
      return new Options(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          recoveryNamespace, recoveryInterval, scheduleCheckInterval, interval, clusterCheckInterval);
    }

    /** How often every MarathonCluster is looked at (also at start and on every change). */
    public Options withClusterCheckInterval(Duration interval) {
      return new Options(namespaces, leaderElectionNamespace, serverSideApply, clock, managementHost, managementPort,
          recoveryNamespace, recoveryInterval, scheduleCheckInterval, locationCheckInterval, interval);
    }

    /** Time as tests drive it; schedules then look at the clock this often. */
    public Options withClock(Clock testClock, Duration checkInterval) {
      return new Options(namespaces, leaderElectionNamespace, serverSideApply, testClock, managementHost,
          managementPort, recoveryNamespace, recoveryInterval, checkInterval, locationCheckInterval,
          clusterCheckInterval);
    }
  }

  public static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofMinutes(5);
  /**
   * How long a graceful stop waits for a running backup or restore (DC/OS saw them take up to ~2 min). The
   * Deployment's terminationGracePeriodSeconds must be longer.
   */
  public static final Duration SHUTDOWN_GRACE = Duration.ofMinutes(5);

  private final Operator operator;
  private final OperationQueue queue;
  private final ManagementServer management;
  private final PrometheusMeterRegistry registry;

  private final ArchiveRecovery recovery;
  /** Keeps a guarded Marathon loud for as long as this operator runs. */
  private final MarathonGuardWatch guardWatch;

  private final StorageLocations locations;
  private final MarathonClusters clusters;

  private OperatorRuntime(Operator operator, OperationQueue queue, ManagementServer management,
      PrometheusMeterRegistry registry, ArchiveRecovery recovery, MarathonGuardWatch guardWatch,
      StorageLocations locations, MarathonClusters clusters) {
    this.locations = locations;
    this.clusters = clusters;
    this.operator = operator;
    this.queue = queue;
    this.management = management;
    this.registry = registry;
    this.recovery = recovery;
    this.guardWatch = guardWatch;
  }

  public static OperatorRuntime start(KubernetesClient client, BackupService service, Options options)
      throws IOException {
    // A SIGKILLed predecessor may have left temp files; removed only while holding the operation lock, so that a
    // replica writing an archive into the same directory keeps its own.
    service.removeStaleTempFiles();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
          .withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(options.serverSideApply())
          .withStopOnInformerErrorDuringStartup(true)
          .withCacheSyncTimeout(Duration.ofMinutes(2))
          .withReconciliationTerminationTimeout(Duration.ofSeconds(10));
      options.leaderElectionNamespace().ifPresent(namespace -> overrider.withLeaderElectionConfiguration(
          new LeaderElectionConfiguration("marathon-backup-operator", namespace)));
    });
    OperationQueue queue = new OperationQueue(options.clock());
    EventRecorder events = new EventRecorder(client, options.clock());
    OperationMetrics metrics = new OperationMetrics(registry);
    // Locations live in the operator's namespace (the recovery namespace); without one, only the backup directory.
    StorageLocations locations = new StorageLocations(client, options.recoveryNamespace().orElse(null), service);
    // One BackupService per Marathon; the environment's is the MarathonCluster "default", usable at once and by every
    // namespace (as before MarathonCluster existed). The objects live in the operator's (recovery) namespace.
    MarathonClusters clusters = new MarathonClusters();
    clusters.registerExternal(MarathonCluster.DEFAULT_NAME, service, Set.of(MarathonClusters.ANY_NAMESPACE), null);
    String clusterNamespace = options.recoveryNamespace().orElse(null);
    operator.register(new BackupReconciler(clusters, clusterNamespace, service, locations, queue, events, metrics,
            options.clock()),
        configuration -> watch(configuration, options.namespaces()));
    operator.register(new RestoreReconciler(clusters, clusterNamespace, service, locations, queue, events, metrics,
            options.clock()),
        configuration -> watch(configuration, options.namespaces()));
    if (clusterNamespace != null) {
      MarathonClusterReconciler.createDefaultIfAbsent(client, clusterNamespace, service.config());
      operator.register(new MarathonClusterReconciler(clusters, service, clusterNamespace, options.clock(),
              options.clusterCheckInterval(), options.namespaces()),
          configuration -> configuration.settingNamespaces(Set.of(clusterNamespace)));
    }
    options.recoveryNamespace().ifPresent(namespace -> operator.register(
        new BackupStorageLocationReconciler(locations, options.clock(), options.locationCheckInterval(), registry),
        configuration -> configuration.settingNamespaces(Set.of(namespace))));
    operator.register(new BackupScheduleReconciler(events, metrics, options.clock(), options.scheduleCheckInterval()),
        configuration -> watch(configuration, options.namespaces()));
    ManagementServer management = ManagementServer.start(options.managementHost(), options.managementPort(), registry,
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
    try {
      operator.start();
    } catch (RuntimeException e) {
      management.close();
      queue.close();
      throw e;
    }
    MarathonGuardWatch guardWatch = MarathonGuardWatch.start(client, clusters::services, events, metrics,
        Duration.ofSeconds(10));
    // Nothing depends on this object existing (no default = the backup directory): it shows where backups go.
    locations.createDefaultIfNone();
    ArchiveRecovery recovery = options.recoveryNamespace()
        .map(namespace -> ArchiveRecovery.start(client, service.store(), locations, namespace,
            options.recoveryInterval(), options.clock(), manifest -> clusters.clusterOf(manifest.sourceHosts(),
                manifest.zkPath(), MarathonCluster.DEFAULT_NAME)))
        .orElse(null);
    if (recovery != null) {
      locations.onBecameAvailable(recovery::scanSoon);
      // An archive of a Marathon whose MarathonCluster was not registered yet waits for it.
      clusters.onRegistered(recovery::scanSoon);
    }
    return new OperatorRuntime(operator, queue, management, registry, recovery, guardWatch, locations, clusters);
  }

  /** The Marathons this operator serves, by MarathonCluster name. */
  public MarathonClusters clusters() {
    return clusters;
  }

  /** The one queue backups and restores wait in; tests hold it to keep an operation "running". */
  public OperationQueue queue() {
    return queue;
  }

  /** Where /metrics, /healthz and /readyz are served. */
  public URI managementUrl() {
    return management.url();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private static void watch(io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> configuration,
      Set<String> namespaces) {
    if (!namespaces.isEmpty()) {
      configuration.settingNamespaces(namespaces);
    }
  }

  /** A graceful stop: the running backup or restore may finish within {@link #SHUTDOWN_GRACE}. */
  @Override
  public void close() {
    close(SHUTDOWN_GRACE);
  }

  /**
   * Stops; the running operation gets {@code grace} to finish first. The queue stops before JOSDK so that the
   * operation's last status is still written and the leader-election lease is held until it is done.
   */
  public void close(Duration grace) {
    guardWatch.close();
    if (recovery != null) {
      recovery.close();
    }
    queue.close(grace);
    operator.stop();
    management.close();
    locations.close();
    clusters.close();
  }
}
