package io.dcos.backup.reconciler;

import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.control.Failures;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's environment configuration as the MarathonCluster {@code default}, so that installations and YAML
 * from before MarathonCluster keep working: every namespace may use it, as before, and its credentials stay where the
 * environment has them (the object names no Secret).
 */
final class DefaultCluster {
  private static final Logger log = LoggerFactory.getLogger(DefaultCluster.class);

  private DefaultCluster() {}

  static void createIfAbsent(KubernetesClient client, String namespace, TargetConfig config) {
    var resource = client.resources(MarathonCluster.class).inNamespace(namespace)
        .withName(MarathonCluster.DEFAULT_NAME);
    try {
      if (resource.get() != null) {
        return;
      }
      MarathonCluster cluster = new MarathonCluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(MarathonCluster.DEFAULT_NAME).withNamespace(namespace)
          .withAnnotations(Map.of(MarathonCluster.FROM_ENVIRONMENT, "true")).build());
      ZkTarget zk = config.zookeeper();
      FenceOptions fence = config.fence();
      cluster.setSpec(new MarathonClusterSpec("zk://" + zk.connectString() + zk.path(),
          new MarathonClusterSpec.Endpoint(config.marathonUrl().toString()), null, null,
          new MarathonClusterSpec.Fence(fence.abdicationTimeout().toSeconds(), fence.acquireTimeout().toSeconds(),
              fence.recoveryTimeout().toSeconds()),
          null, List.of(MarathonClusters.ANY_NAMESPACE)));
      client.resource(cluster).create();
      log.info("created MarathonCluster {}/{} from the operator's environment ({} at {})", namespace,
          MarathonCluster.DEFAULT_NAME, config.marathonUrl(), zk);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.warn("could not create MarathonCluster {}/{} from the environment: {}", namespace,
            MarathonCluster.DEFAULT_NAME, Failures.message(e));
      }
    }
  }

  /** Whether {@code cluster} is the {@code default} made from {@code environment} (null: there is none). */
  static boolean is(MarathonCluster cluster, BackupService environment) {
    var annotations = cluster.getMetadata().getAnnotations();
    return environment != null && MarathonCluster.DEFAULT_NAME.equals(cluster.getMetadata().getName())
        && annotations != null && "true".equals(annotations.get(MarathonCluster.FROM_ENVIRONMENT));
  }
}
