package io.dcos.backup.reconciler;

import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.OperationFailedException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import java.util.Set;

/**
 * Which Marathon a Backup or Restore names, and whether its namespace may use it: once before it is queued (so a
 * refused one is refused before anything runs) and again when its turn comes (the cluster may have been deleted, or
 * its allowedNamespaces narrowed, while it waited).
 */
final class ClusterResolver {
  /** The outcome of a check before queueing. */
  sealed interface Resolution {}

  record Usable(MarathonClusters.Cluster cluster) implements Resolution {}

  /** The object exists but the MarathonCluster reconciler has not looked at it yet. */
  record Waiting(String message) implements Resolution {}

  record Refused(String reason, String message) implements Resolution {}

  private final MarathonClusters clusters;
  /** Where MarathonCluster objects live (the operator's namespace); null: only registered clusters exist. */
  private final String clusterNamespace;

  ClusterResolver(MarathonClusters clusters, String clusterNamespace) {
    this.clusters = clusters;
    this.clusterNamespace = clusterNamespace;
  }

  /** A registry of one: the {@code default} cluster is {@code service}, every namespace may use it (as before). */
  static ClusterResolver single(io.dcos.backup.engine.BackupService service) {
    MarathonClusters clusters = new MarathonClusters();
    clusters.registerExternal(MarathonCluster.DEFAULT_NAME, service, Set.of(MarathonClusters.ANY_NAMESPACE), null);
    return new ClusterResolver(clusters, null);
  }

  MarathonClusters clusters() {
    return clusters;
  }

  Resolution resolve(String name, String namespace, KubernetesClient client) {
    Optional<MarathonClusters.Cluster> found = clusters.get(name);
    if (found.isEmpty()) {
      if (clusterNamespace != null && client != null && exists(name, client)) {
        return new Waiting("waiting for MarathonCluster " + name + " to be checked by the operator");
      }
      return new Refused("ClusterNotFound", "MarathonCluster " + name + " does not exist"
          + (clusterNamespace == null ? "" : " in namespace " + clusterNamespace) + "; nothing was touched");
    }
    MarathonClusters.Cluster cluster = found.get();
    if (!cluster.allows(namespace)) {
      return new Refused("ClusterNotAllowed", notAllowed(namespace, name));
    }
    if (!cluster.usable()) {
      return new Refused("ClusterUnusable", "MarathonCluster " + name + " cannot be used: " + cluster.problem()
          + "; nothing was touched");
    }
    return new Usable(cluster);
  }

  /** The check when the operation's turn comes: the cluster as it is now, or why nothing is done. */
  MarathonClusters.Cluster atRunTime(String name, String namespace, String what) throws OperationFailedException {
    MarathonClusters.Cluster cluster = clusters.get(name).orElseThrow(() -> new OperationFailedException(what
        + " failed: MarathonCluster " + name + " was deleted while this " + what + " waited in its queue; nothing "
        + "was touched"));
    if (!cluster.allows(namespace)) {
      throw new OperationFailedException(what + " failed: " + notAllowed(namespace, name));
    }
    if (!cluster.usable()) {
      throw new OperationFailedException(what + " failed: MarathonCluster " + name + " cannot be used: "
          + cluster.problem() + "; nothing was touched");
    }
    return cluster;
  }

  static String notAllowed(String namespace, String cluster) {
    return "namespace " + namespace + " may not use MarathonCluster " + cluster + " (not in its spec"
        + ".allowedNamespaces); nothing was touched";
  }

  private boolean exists(String name, KubernetesClient client) {
    try {
      return client.resources(MarathonCluster.class).inNamespace(clusterNamespace).withName(name).get() != null;
    } catch (KubernetesClientException e) {
      return true; // cannot tell: wait rather than fail a Backup for an API hiccup
    }
  }
}
