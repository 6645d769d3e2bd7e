package io.dcos.backup.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One Marathon the operator backs up and restores: the native Marathon of a DC/OS cluster, a Marathon on Marathon,
 * or the Marathon of another cluster. Owned by the cluster admin, in the operator's namespace; Backups, Restores and
 * BackupSchedules name one with {@code spec.cluster} (default {@value #DEFAULT_NAME}).
 */
@Group(Backup.GROUP)
@Version(Backup.VERSION)
@ShortNames("mcluster")
@AdditionalPrinterColumn(name = "ZooKeeper", jsonPath = ".spec.zookeeper", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Marathon", jsonPath = ".spec.marathon.url", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.marathonVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Leader", jsonPath = ".status.leader", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MarathonCluster extends io.fabric8.kubernetes.client.CustomResource<MarathonClusterSpec,
    MarathonClusterStatus> implements Namespaced {
  /** The cluster the operator's environment configuration (MARATHON_ZK, MARATHON_URL, …) becomes. */
  public static final String DEFAULT_NAME = "default";
  /**
   * On the {@value #DEFAULT_NAME} cluster created at start: its connection (and credentials) is the operator's
   * environment configuration, which its spec only shows. Remove the annotation to make the spec authoritative.
   */
  public static final String FROM_ENVIRONMENT = "backup.dcos.io/from-environment";

  /** A Backup's, Restore's or schedule's {@code spec.cluster} with its default. */
  public static String nameOrDefault(String cluster) {
    return cluster == null || cluster.isBlank() ? DEFAULT_NAME : cluster;
  }
}
