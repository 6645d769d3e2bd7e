package io.dcos.backup.cli;

import static io.dcos.backup.cli.BackupRecords.clusterOf;
import static io.dcos.backup.cli.BackupRecords.idOrName;
import static io.dcos.backup.cli.BackupRecords.phase;
import static io.dcos.backup.cli.UserError.oneLine;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.api.RestoreStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What `kubectl backup` does, verb by verb, against one namespace of one cluster. Output as the DC/OS CLI printed it:
 * the `list` table and the JSON backup records of `show` and `list --json`. Every failure is a {@link UserError} whose
 * message is the one line the user sees.
 */
final class BackupCli implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubeConnection kube;
  private final PrintWriter out;
  private final PrintWriter err;

  private BackupCli(KubeConnection kube, PrintWriter out, PrintWriter err) {
    this.kube = kube;
    this.out = out;
    this.err = err;
  }

  /** Connects as {@link KubeConnection#connect} does. */
  static BackupCli connect(String kubeconfig, String context, String namespace, PrintWriter out,
      PrintWriter err) {
    return new BackupCli(KubeConnection.connect(kubeconfig, context, namespace), out, err);
  }

  @Override
  public void close() {
    kube.close();
  }

  /** A Backup of MarathonCluster {@code cluster} (null: {@code default}). */
  int create(String label, String cluster, boolean wait, Duration timeout) {
    Backup backup = new Backup();
    backup.setSpec(new BackupSpec(label, null, null, cluster));
    String name = kube.createUnderFreshName(backup, () -> objectName(label)).getMetadata().getName();
    if (wait) {
      Backup done = follower().follow(Backup.class, name, timeout, new StatusFollower.Progress<>(
          b -> b.getStatus() == null ? null : b.getStatus().phase(),
          b -> b.getStatus() == null ? null : b.getStatus().message(),
          b -> b.getStatus() == null ? null : b.getStatus().id()));
      BackupStatus status = done.getStatus();
      if (status.phase() == Phase.STATUS_ERROR) {
        throw new UserError("backup " + idOrName(done) + " failed: " + oneLine(status.message()));
      }
      return 0;
    }
    Optional<String> id = follower().awaitId(name);
    if (id.isPresent()) {
      out.println(id.get());
    } else {
      out.println(name);
      out.flush();
      err.println("warning: Backup " + kube.namespace() + "/" + name + " created, but it has no backup ID yet: "
          + "is the operator running? (kubectl backup list)");
      err.flush();
    }
    return 0;
  }

  /**
   * The backups whose ID (or label) starts with {@code prefix}, of MarathonCluster {@code cluster}; null matches
   * every one.
   */
  int list(String prefix, String cluster, boolean json) {
    List<Backup> backups = backups().stream()
        .filter(b -> prefix == null || BackupRecords.idOrLabel(b).startsWith(prefix))
        .filter(b -> cluster == null || cluster.equals(clusterOf(b)))
        .sorted(Comparator.comparing(BackupRecords::timestamp).thenComparing(BackupRecords::idOrName))
        .toList();
    if (json) {
      out.println(BackupRecords.json(backups));
      return 0;
    }
    // DC/OS's four columns; a fifth, CLUSTER, once a backup of another Marathon than the default one is listed.
    boolean clusterColumn = backups.stream().anyMatch(b -> !MarathonCluster.DEFAULT_NAME.equals(clusterOf(b)));
    List<String[]> rows = new ArrayList<>();
    rows.add(clusterColumn ? new String[] {"BACKUP ID", "VERSION", "STATUS", "TIMESTAMP", "CLUSTER"}
        : new String[] {"BACKUP ID", "VERSION", "STATUS", "TIMESTAMP"});
    for (Backup b : backups) {
      BackupStatus status = b.getStatus();
      String version = status == null || status.marathonVersion() == null ? "-" : status.marathonVersion();
      String timestamp = BackupRecords.timestamp(b);
      rows.add(clusterColumn ? new String[] {idOrName(b), version, phase(b).name(), timestamp, clusterOf(b)}
          : new String[] {idOrName(b), version, phase(b).name(), timestamp});
    }
    Table.print(out, rows);
    return 0;
  }

  int show(String id) {
    out.println(BackupRecords.json(find(id)));
    return 0;
  }

  int delete(String id) {
    Backup backup = find(id);
    kube.api(() -> kube.client().resources(Backup.class).inNamespace(kube.namespace())
        .withName(backup.getMetadata().getName()).delete());
    out.println("Backup " + idOrName(backup) + " deleted (its archive is deleted by the operator)");
    return 0;
  }

  /**
   * A Restore of the backup into the Marathon it was taken from, or into MarathonCluster {@code into} (a migration:
   * the operator refuses it when the two Marathons' storage versions differ).
   */
  int restore(String id, String into, boolean wait, Duration timeout) {
    Backup backup = find(id);
    BackupStatus status = backup.getStatus();
    if (phase(backup) == Phase.STATUS_ERROR) {
      throw new UserError("backup " + idOrName(backup) + " is STATUS_ERROR, there is nothing to restore"
          + (status.message() == null ? "" : ": " + oneLine(status.message())));
    }
    if (backup.getMetadata().getDeletionTimestamp() != null) {
      throw new UserError("backup " + idOrName(backup) + " is being deleted");
    }
    // By ID as `dcos backup restore` did; a Backup that has no ID yet (just created) by its object name.
    String from = clusterOf(backup);
    String source = MarathonCluster.DEFAULT_NAME.equals(from) ? null : from;
    String target = into == null || into.equals(from) ? null : into;
    RestoreSpec spec = status != null && status.id() != null
        ? new RestoreSpec(status.id(), null, null, source, target)
        : new RestoreSpec(null, backup.getMetadata().getName(), null, source, target);
    String label = backup.getSpec() == null ? "backup" : backup.getSpec().label();
    Restore restore = new Restore();
    restore.setSpec(spec);
    String name = kube.createUnderFreshName(restore, () -> "restore-" + objectName(label)).getMetadata().getName();
    out.println("Restore " + name + " of backup " + idOrName(backup) + " created");
    out.flush();
    if (wait) {
      Restore done = follower().follow(Restore.class, name, timeout, new StatusFollower.Progress<>(
          r -> r.getStatus() == null ? null : r.getStatus().phase(),
          r -> r.getStatus() == null ? null : r.getStatus().message(), r -> null));
      RestoreStatus result = done.getStatus();
      if (result.phase() == Phase.STATUS_ERROR) {
        throw new UserError("restore " + name + " of backup " + idOrName(backup) + " failed: "
            + oneLine(result.message()));
      }
    }
    return 0;
  }

  /**
   * The MarathonClusters with their last check: NAME, ZOOKEEPER, MARATHON, VERSION, LEADER, READY, MESSAGE. In every
   * namespace when the user may list them there, else in the current one.
   */
  int clusters() {
    List<MarathonCluster> clusters;
    try {
      clusters = kube.client().resources(MarathonCluster.class).inAnyNamespace().list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw kube.translate(e);
      }
      clusters = kube.api(() -> kube.client().resources(MarathonCluster.class).inNamespace(kube.namespace()).list()
          .getItems());
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "NAMESPACE", "ZOOKEEPER", "MARATHON", "VERSION", "LEADER", "READY", "MESSAGE"});
    clusters.stream().sorted(Comparator.comparing((MarathonCluster c) -> c.getMetadata().getName()))
        .forEach(c -> {
          var clusterStatus = c.getStatus();
          String ready = clusterStatus == null || clusterStatus.conditions() == null ? "Unknown"
              : clusterStatus.conditions().stream().filter(cond -> "Ready".equals(cond.type())).findFirst()
                  .map(cond -> cond.status()).orElse("Unknown");
          rows.add(new String[] {c.getMetadata().getName(), c.getMetadata().getNamespace(),
              c.getSpec() == null ? "-" : dash(c.getSpec().zookeeper()),
              c.getSpec() == null || c.getSpec().marathon() == null ? "-" : dash(c.getSpec().marathon().url()),
              clusterStatus == null ? "-" : dash(clusterStatus.marathonVersion()),
              clusterStatus == null ? "-" : dash(clusterStatus.leader()), ready,
              clusterStatus == null ? "not checked yet" : oneLine(dash(clusterStatus.message()))});
        });
    Table.print(out, rows);
    return 0;
  }

  private StatusFollower follower() {
    return new StatusFollower(kube, out);
  }

  private static String dash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }

  private List<Backup> backups() {
    return kube.api(() -> kube.client().resources(Backup.class).inNamespace(kube.namespace()).list().getItems());
  }

  /** A backup by its ID, as DC/OS named backups; its object name works too. */
  private Backup find(String id) {
    List<Backup> backups = backups();
    return backups.stream().filter(b -> b.getStatus() != null && id.equals(b.getStatus().id())).findFirst()
        .or(() -> backups.stream().filter(b -> id.equals(b.getMetadata().getName())).findFirst())
        .orElseThrow(() -> new UserError("backup \"" + id + "\" not found in namespace \"" + kube.namespace() + "\""));
  }

  /** A DNS-1123 name from a label ({@code My_Label.1} → {@code my-label-1-x7k2q}): unique by a random suffix. */
  static String objectName(String label) {
    String base = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    StringBuilder suffix = new StringBuilder();
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    for (int i = 0; i < 5; i++) {
      suffix.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return (base.isEmpty() ? "backup" : base) + "-" + suffix;
  }
}
