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

@Command(name = "operator",
    description = {"Runs the operator against the cluster of the current kubeconfig, or in-cluster.",
        "Configured by the environment: MARATHON_URL, MARATHON_ZK (Marathon's --zk form), BACKUP_DIR,",
        "WATCH_NAMESPACES, LEADER_ELECTION_NAMESPACE, RECOVERY_NAMESPACE (default: the pod's namespace),",
        "RECOVERY_INTERVAL_SECONDS (300), ZK_SESSION_TIMEOUT_SECONDS (30), OPERATOR_SSA (true; false for API",
        "servers without server-side apply); credentials (from a Secret): ZK_USERNAME/ZK_PASSWORD,",
        "MARATHON_USERNAME/MARATHON_PASSWORD or MARATHON_TOKEN."})
final class OperatorCommand implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings = OperatorSettings.fromEnvironment(System.getenv());
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
