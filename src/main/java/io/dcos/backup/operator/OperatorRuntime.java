package io.dcos.backup.operator;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.reconciler.BackupReconciler;
import io.dcos.backup.reconciler.EventRecorder;
import io.dcos.backup.reconciler.OperationQueue;
import io.dcos.backup.reconciler.RestoreReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** The operator's moving parts wired together: one queue, one engine, the reconcilers, JOSDK. */
public final class OperatorRuntime implements AutoCloseable {

  /**
   * @param namespaces namespaces to watch; empty = all
   * @param leaderElectionNamespace where the Lease lives when several replicas run; empty = no leader election
   * @param serverSideApply false against API servers without server-side apply (Fabric8's mock)
   */
  public record Options(Set<String> namespaces, Optional<String> leaderElectionNamespace, boolean serverSideApply,
      Clock clock) {
    public static Options embedded() {
      return new Options(Set.of(), Optional.empty(), false, Clock.systemUTC());
    }
  }

  private final Operator operator;
  private final OperationQueue queue;

  private OperatorRuntime(Operator operator, OperationQueue queue) {
    this.operator = operator;
    this.queue = queue;
  }

  public static OperatorRuntime start(KubernetesClient client, BackupService service, Options options) {
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client)
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
    operator.register(new BackupReconciler(service, queue, events, options.clock()),
        configuration -> watch(configuration, options.namespaces()));
    operator.register(new RestoreReconciler(service, queue, events, options.clock()),
        configuration -> watch(configuration, options.namespaces()));
    operator.register(new io.dcos.backup.reconciler.BackupScheduleReconciler(events, options.clock()),
        configuration -> watch(configuration, options.namespaces()));
    operator.start();
    return new OperatorRuntime(operator, queue);
  }

  private static void watch(io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> configuration,
      Set<String> namespaces) {
    if (!namespaces.isEmpty()) {
      configuration.settingNamespaces(namespaces);
    }
  }

  @Override
  public void close() {
    operator.stop();
    queue.close();
  }
}
