package io.dcos.backup.reconciler;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.control.Conditions;
import io.dcos.backup.control.Times;
import io.dcos.backup.engine.ClusterProbe;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a MarathonCluster's status is made: from what its probe found (or why its spec is unusable), the Ready
 * condition that follows from it, and the newest ready Backup that names the cluster.
 */
final class MarathonClusterStatusBuilder {
  private static final Logger log = LoggerFactory.getLogger(MarathonClusterStatusBuilder.class);

  private final Clock clock;

  MarathonClusterStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  /** A spec that could not be made into a connection: not ready, InvalidSpec, nothing probed. */
  MarathonClusterStatus invalid(KubernetesClient client, MarathonCluster cluster, String message) {
    return status(client, cluster, false, "InvalidSpec", message, null);
  }

  /** What looking at ZooKeeper and Marathon found: Reachable or Unreachable, with what answered. */
  MarathonClusterStatus probed(KubernetesClient client, MarathonCluster cluster, ClusterProbe.Result probe) {
    String message = probe.reachable()
        ? "ZooKeeper " + probe.zookeeperServer() + " and Marathon " + probe.marathonVersion() + " answered"
            + (probe.leader() == null ? "; Marathon has no leader" : "; leader " + probe.leader())
        : probe.problem();
    return status(client, cluster, probe.reachable(), probe.reachable() ? "Reachable" : "Unreachable", message, probe);
  }

  private MarathonClusterStatus status(KubernetesClient client, MarathonCluster cluster, boolean reachable,
      String reason, String message, ClusterProbe.Result probe) {
    MarathonClusterStatus before = cluster.getStatus();
    Long generation = cluster.getMetadata().getGeneration();
    List<Condition> conditions = Conditions.set(before == null ? null : before.conditions(), Condition.READY,
        reachable, reason, message, generation, clock.instant());
    Optional<Backup> last = lastSuccessfulBackup(client, cluster);
    return new MarathonClusterStatus(reachable, message,
        probe == null ? null : probe.zookeeperServer(),
        probe == null ? null : probe.marathonVersion(),
        probe == null ? null : probe.leader(),
        probe == null ? null : probe.electionParticipants(),
        last.map(b -> b.getStatus().id()).orElse(null),
        last.map(b -> b.getStatus().completionTime()).orElse(null),
        conditions, generation);
  }

  private static Optional<Backup> lastSuccessfulBackup(KubernetesClient client, MarathonCluster cluster) {
    String name = cluster.getMetadata().getName();
    try {
      return client.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .filter(b -> b.getSpec() != null && name.equals(b.getSpec().clusterOrDefault()))
          .filter(b -> b.getStatus() != null && b.getStatus().phase() == Phase.STATUS_READY
              && b.getStatus().completionTime() != null)
          // By instant: ISO_INSTANT leaves out a zero fraction, so the strings do not sort by time.
          .max(Comparator.comparing(b -> Times.parse(b.getStatus().completionTime()).orElse(Instant.MIN)));
    } catch (RuntimeException e) {
      log.debug("could not list the Backups of MarathonCluster {}: {}", name, e.getMessage());
      return Optional.empty();
    }
  }
}
