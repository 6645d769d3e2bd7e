package io.dcos.backup.cli;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.operator.OperatorRuntime;
import io.dcos.backup.operator.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Runs the operator against the cluster of the current kubeconfig, or in-cluster.",
        "Configured by the environment: MARATHON_URL, MARATHON_ZK (Marathon's --zk form), BACKUP_DIR,",
        "WATCH_NAMESPACES, LEADER_ELECTION_NAMESPACE, RECOVERY_NAMESPACE (default: the pod's namespace),",
        "RECOVERY_INTERVAL_SECONDS (300), ZK_SESSION_TIMEOUT_SECONDS (30), FENCE_ABDICATION_TIMEOUT_SECONDS (30),",
        "FENCE_ACQUIRE_TIMEOUT_SECONDS (120), FENCE_RECOVERY_TIMEOUT_SECONDS (180), OPERATOR_SSA (true; false for",
        "API servers without server-side apply); credentials (from a Secret): ZK_USERNAME/ZK_PASSWORD,",
        "MARATHON_USERNAME/MARATHON_PASSWORD or MARATHON_TOKEN, or on DC/OS Enterprise",
        "MARATHON_SERVICE_ACCOUNT_FILE (a service account's credential JSON); MARATHON_CA_FILE (PEM CAs to trust",
        "for HTTPS, e.g. dcos-ca.crt), MARATHON_TOKEN_LIFETIME_SECONDS (3600, for tokens without exp)."})
final class OperatorCommand implements Callable<Integer> {
  /** Exit code for a configuration the operator refuses to start with. */
  static final int CONFIGURATION_ERROR = 2;

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      // A misconfigured Deployment: one line in `kubectl logs` saying which variable, not a stack trace.
      System.err.println("operator: invalid configuration: " + e.getMessage());
      return CONFIGURATION_ERROR;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    BackupService service = new BackupService(settings.target());
    OperatorRuntime runtime = OperatorRuntime.start(client, service, new OperatorRuntime.Options(
        settings.namespaces(), settings.leaderElectionNamespace(), settings.serverSideApply(), Clock.systemUTC(),
        "0.0.0.0", settings.managementPort()).withRecovery(Optional.of(settings.recoveryNamespace()),
        settings.recoveryInterval()));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      runtime.close();
      service.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
