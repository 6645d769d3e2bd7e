package io.dcos.backup.sandbox;

import static io.dcos.backup.sandbox.ApiObjects.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.api.MarathonClusterStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.operator.OperatorRuntime;
import io.dcos.backup.control.OperationQueue;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.testing.Closer;
import io.dcos.backup.zookeeper.StorageVersion;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One operator, several Marathons: the shared world's Marathon ({@code default}, at {@code /marathon}) and a Marathon
 * on Marathon at {@code /marathon-user} on the same ZooKeeper, 3 simulated instances each.
 */
class MarathonClusterTest extends OnSharedWorld {
  private static final Duration TIMEOUT = ApiObjects.OPERATION_TIMEOUT;
  private static final String CLUSTERS = EmbeddedWorld.locationsNamespace();
  @RegisterExtension
  static final Closer CLOSER = new Closer();
  private static MarathonSimulator mom;

  @BeforeAll
  static void startMarathonOnMarathon() throws Exception {
    mom = CLOSER.add(MarathonSimulator.start(world.zookeeper().connectString(), "/marathon-user", 3,
        SharedWorld.fastSimulator()));
  }

  @Test
  void theEnvironmentIsTheDefaultClusterAndAClusterShowsItsMarathon() {
    MarathonCluster defaults = client.resources(MarathonCluster.class).inNamespace(CLUSTERS)
        .withName(MarathonCluster.DEFAULT_NAME).get();
    assertThat(defaults).as("created at start from the environment").isNotNull();
    assertThat(defaults.getMetadata().getAnnotations()).containsEntry(MarathonCluster.FROM_ENVIRONMENT, "true");
    assertThat(defaults.getSpec().zookeeper()).isEqualTo("zk://" + world.zookeeper().connectString() + "/marathon");
    assertThat(defaults.getSpec().allowedNamespaces()).containsExactly("*");

    String name = SharedWorld.namespace("mom");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of("somewhere"));
    MarathonClusterStatus status = awaitReachable(name);
    assertThat(status.marathonVersion()).isNotBlank();
    assertThat(status.leader()).isNotBlank();
    assertThat(status.electionParticipants()).isEqualTo(3);
    assertThat(status.zookeeperServer()).isEqualTo("3.6+");
    assertThat(status.observedGeneration()).isEqualTo(1L);
    assertThat(condition(status, Condition.READY).reason()).isEqualTo("Reachable");
  }

  @Test
  void twoClustersRunInParallelEachSerializedByItselfAndNeitherFenceDisturbsTheOther() throws Exception {
    String ns = ApiObjects.createNamespace(client, "par");
    String name = SharedWorld.namespace("mom");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(ns));
    awaitReachable(name);
    awaitLeader(world.marathonUrl());
    awaitLeader(mom.anyUrl());
    int defaultElections = world.simulator().orElseThrow().electionLog().size();

    CountDownLatch gate = blockLane(MarathonCluster.DEFAULT_NAME);
    try {
      client.resource(ApiObjects.backup(ns, "native", "native-snap")).create();
      await().atMost(TIMEOUT).until(() -> message(Backup.class, ns, "native") != null
          && message(Backup.class, ns, "native").contains("MarathonCluster default"));
      int momElections = mom.electionLog().size();
      client.resource(backupOf(ns, "user-1", "user-1", name)).create();
      client.resource(backupOf(ns, "user-2", "user-2", name)).create();
      Backup first = awaitPhase(client, Backup.class, ns, "user-1", Phase.STATUS_READY);
      Backup second = awaitPhase(client, Backup.class, ns, "user-2", Phase.STATUS_READY);
      assertThat(client.resources(Backup.class).inNamespace(ns).withName("native").get().getStatus().phase())
          .as("the default Marathon's lane is held: its backup still waits while the other Marathon's ran")
          .isEqualTo(Phase.STATUS_BACKING_UP);
      assertThat(overlap(first.getStatus(), second.getStatus())).as("one at a time on the same Marathon").isFalse();
      // Well within the cluster's periodic check (a minute): a backup that becomes ready wakes its cluster.
      String newest = Instant.parse(second.getStatus().completionTime())
          .isAfter(Instant.parse(first.getStatus().completionTime())) ? second.getStatus().id() : first.getStatus().id();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(statusOf(name).lastSuccessfulBackup())
          .as("the cluster's last successful backup").isEqualTo(newest));
      assertThat(statusOf(name).lastSuccessfulTime()).isNotBlank();
      assertThat(java.nio.file.Path.of(first.getStatus().location()).getParent())
          .as("every cluster's archives are kept in the backup directory")
          .isEqualTo(world.backupDirectory().toAbsolutePath().normalize());
      assertThat(world.service().archive(second.getStatus().id())).isPresent();
      assertThat(mom.electionLog().size()).as("each fenced backup of the MoM made it elect again")
          .isGreaterThan(momElections);
      assertThat(world.simulator().orElseThrow().electionLog()).as("the native Marathon's leader never abdicated")
          .hasSize(defaultElections);
      momElections = mom.electionLog().size();
      gate.countDown();
      awaitPhase(client, Backup.class, ns, "native", Phase.STATUS_READY);
      assertThat(mom.electionLog()).as("the native Marathon's fence left the MoM's election alone")
          .hasSize(momElections);
      String scrape = world.operator().orElseThrow().registry().scrape();
      assertThat(scrape).as("metrics are labelled by cluster")
          .contains("marathon_backup_backups_total{cluster=\"" + name + "\",outcome=\"success\"} 2.0")
          .contains("marathon_backup_backup_archive_znodes{cluster=\"" + name + "\"}");
    } finally {
      gate.countDown();
    }
  }

  @Test
  void aRestoreAcrossClustersIsRefusedUnlessExplicitAndThenOnlyWithTheSameStorageVersion() throws Exception {
    String ns = ApiObjects.createNamespace(client, "mig");
    String name = SharedWorld.namespace("mom");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(ns));
    awaitReachable(name);
    awaitLeader(world.marathonUrl());
    client.resource(ApiObjects.backup(ns, "native", "native-mig")).create();
    Backup backup = awaitPhase(client, Backup.class, ns, "native", Phase.STATUS_READY);

    client.resource(ApiObjects.restore(ns, "wrong", new RestoreSpec(null, "native", null, name, null))).create();
    Restore wrong = awaitPhase(client, Restore.class, ns, "wrong", Phase.STATUS_ERROR);
    assertThat(wrong.getStatus().message()).contains("was taken from MarathonCluster default, not " + name)
        .contains("spec.targetCluster");
    assertThat(condition(wrong.getStatus().conditions(), Condition.FAILED).reason()).isEqualTo("ClusterMismatch");

    // A Marathon whose state has another storage version: the migration is refused before anything is written.
    String old = SharedWorld.namespace("old");
    String oldPath = "/" + old;
    StorageVersion other = new StorageVersion(1, 4, 0, StorageVersion.PERSISTENCE_STORE);
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient(world.zookeeper().connectString(),
        new RetryOneTime(100))) {
      zk.start();
      zk.create().creatingParentsIfNeeded().forPath(oldPath + "/state/" + StorageVersion.NODE, other.toNodeData());
      createCluster(old, oldPath, mom.anyUrl(), List.of(ns));
      client.resource(ApiObjects.restore(ns, "to-old", new RestoreSpec(null, "native", null, null, old))).create();
      Restore refused = awaitPhase(client, Restore.class, ns, "to-old", Phase.STATUS_ERROR);
      assertThat(refused.getStatus().message()).contains("storage version " + backup.getStatus().storageVersion())
          .contains("MarathonCluster " + old + " has " + other).contains("nothing was written");
      assertThat(zk.getChildren().forPath(oldPath + "/state")).containsExactly(StorageVersion.NODE);
    }

    awaitLeader(mom.anyUrl());
    int defaultElections = world.simulator().orElseThrow().electionLog().size();
    client.resource(ApiObjects.restore(ns, "migrate", new RestoreSpec(null, "native", null, null, name))).create();
    Restore migrated = awaitPhase(client, Restore.class, ns, "migrate", Phase.STATUS_READY);
    assertThat(migrated.getStatus().znodes()).isEqualTo(backup.getStatus().znodes());
    assertThat(world.simulator().orElseThrow().electionLog()).as("restoring the MoM left the native Marathon alone")
        .hasSize(defaultElections);
  }

  @Test
  void aNamespaceNotAllowedIsRefusedAndNothingIsTouched() throws Exception {
    String allowed = ApiObjects.createNamespace(client, "ok");
    String other = ApiObjects.createNamespace(client, "no");
    String name = SharedWorld.namespace("mom");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(allowed));
    awaitReachable(name);
    int elections = mom.electionLog().size();
    client.resource(backupOf(other, "sneaky", "sneaky", name)).create();
    Backup refused = awaitPhase(client, Backup.class, other, "sneaky", Phase.STATUS_ERROR);
    assertThat(refused.getStatus().message()).startsWith("namespace " + other + " may not use MarathonCluster " + name);
    assertThat(condition(refused.getStatus().conditions(), Condition.FAILED).reason()).isEqualTo("ClusterNotAllowed");
    assertThat(refused.getStatus().location()).isNull();
    assertThat(mom.electionLog()).as("the MoM was not fenced").hasSize(elections);

    // A cluster left at its default allows only the operator's own namespace.
    String closed = SharedWorld.namespace("closed");
    createCluster(closed, "/marathon-user", mom.anyUrl(), null);
    awaitReachable(closed);
    client.resource(backupOf(allowed, "closed", "closed", closed)).create();
    assertThat(awaitPhase(client, Backup.class, allowed, "closed", Phase.STATUS_ERROR).getStatus().message())
        .startsWith("namespace " + allowed + " may not use MarathonCluster " + closed);
  }

  @Test
  void aClusterWhoseZooKeeperIsDownDoesNotHoldUpAnotherClustersQueue() throws Exception {
    String ns = ApiObjects.createNamespace(client, "down");
    String name = SharedWorld.namespace("mom");
    String down = SharedWorld.namespace("down");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(ns));
    try (ServerSocket silent = new ServerSocket(0)) {
      // Accepts connections and never answers: ZooKeeper "up" at the TCP level, but no session ever comes.
      String hostPort = "127.0.0.1:" + silent.getLocalPort();
      client.resource(cluster(down, "zk://" + hostPort + "/marathon", URI.create("http://" + hostPort), List.of(ns)))
          .create();
      await().atMost(TIMEOUT).until(() -> statusOf(down) != null);
      assertThat(statusOf(down).reachable()).isFalse();
      assertThat(statusOf(down).message()).contains("ZooKeeper");
      assertThat(condition(statusOf(down), Condition.READY).status()).isEqualTo(Condition.FALSE);
      awaitReachable(name);
      awaitLeader(mom.anyUrl());

      client.resource(backupOf(ns, "stuck", "stuck", down)).create();
      await().atMost(TIMEOUT).until(() -> queue().isRunning(operationKey(ns, "stuck")));
      client.resource(backupOf(ns, "fine", "fine", name)).create();
      awaitPhase(client, Backup.class, ns, "fine", Phase.STATUS_READY);
      assertThat(queue().isRunning(operationKey(ns, "stuck")))
          .as("the backup of the unreachable cluster is still trying while the other cluster's finished").isTrue();
    }
    Backup failed = awaitPhase(client, Backup.class, ns, "stuck", Phase.STATUS_ERROR);
    assertThat(failed.getStatus().message()).contains("ZooKeeper");
  }

  @Test
  void aClusterDeletedWhileABackupOfItIsQueuedFailsItClearlyAndTouchesNothing() throws Exception {
    String ns = ApiObjects.createNamespace(client, "gone");
    String name = SharedWorld.namespace("gone");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(ns));
    awaitReachable(name);
    int elections = mom.electionLog().size();
    CountDownLatch gate = blockLane(name);
    try {
      client.resource(backupOf(ns, "orphan", "orphan", name)).create();
      await().atMost(TIMEOUT).until(() -> message(Backup.class, ns, "orphan") != null
          && message(Backup.class, ns, "orphan").contains("per Marathon: MarathonCluster " + name + ")"));
      client.resources(MarathonCluster.class).inNamespace(CLUSTERS).withName(name).delete();
      await().atMost(TIMEOUT).until(() -> world.operator().orElseThrow().clusters().get(name).isEmpty());
    } finally {
      gate.countDown();
    }
    Backup failed = awaitPhase(client, Backup.class, ns, "orphan", Phase.STATUS_ERROR);
    assertThat(failed.getStatus().message()).isEqualTo("backup failed: MarathonCluster " + name + " was deleted while "
        + "this backup waited in its queue; nothing was touched");
    assertThat(mom.electionLog()).as("the MoM was not fenced").hasSize(elections);
    assertThat(world.service().archive(failed.getStatus().id())).isEmpty();

    client.resource(backupOf(ns, "later", "later", name)).create();
    Backup later = awaitPhase(client, Backup.class, ns, "later", Phase.STATUS_ERROR);
    assertThat(later.getStatus().message()).isEqualTo("MarathonCluster " + name + " does not exist in namespace "
        + CLUSTERS + "; nothing was touched");
    assertThat(condition(later.getStatus().conditions(), Condition.FAILED).reason()).isEqualTo("ClusterNotFound");
  }

  @Test
  void aClusterNamingAMissingSecretIsInvalidAndItsBackupsFailSaying() {
    String ns = ApiObjects.createNamespace(client, "nosecret");
    String name = SharedWorld.namespace("nosecret");
    MarathonCluster cluster = cluster(name, "zk://" + world.zookeeper().connectString() + "/marathon-user",
        mom.anyUrl(), List.of(ns));
    cluster.setSpec(new MarathonClusterSpec(cluster.getSpec().zookeeper(), cluster.getSpec().marathon(),
        new MarathonClusterSpec.Credentials(null, null, new MarathonClusterSpec.SecretKeyRef("no-such-secret",
            "token"), null), null, null, null, List.of(ns)));
    client.resource(cluster).create();
    await().atMost(TIMEOUT).until(() -> statusOf(name) != null);
    assertThat(condition(statusOf(name), Condition.READY).reason()).isEqualTo("InvalidSpec");
    assertThat(statusOf(name).message()).isEqualTo("spec.credentials.token: Secret no-such-secret not found in "
        + "namespace " + CLUSTERS);
    client.resource(backupOf(ns, "b", "bad-secret", name)).create();
    assertThat(awaitPhase(client, Backup.class, ns, "b", Phase.STATUS_ERROR).getStatus().message())
        .startsWith("MarathonCluster " + name + " cannot be used: spec.credentials.token: Secret no-such-secret");

    // The Secret appears: the cluster is rebuilt with it (and the token never shows in its status).
    client.resource(new SecretBuilder().withNewMetadata().withName("no-such-secret").withNamespace(CLUSTERS)
        .endMetadata().addToStringData("token", "s3cr3t-t0ken").build()).create();
    // Nothing watches Secrets: the next check (or, as here, a spec change) picks it up.
    client.resources(MarathonCluster.class).inNamespace(CLUSTERS).withName(name).edit(c -> {
      c.setSpec(new MarathonClusterSpec(c.getSpec().zookeeper(), c.getSpec().marathon(), c.getSpec().credentials(),
          null, new MarathonClusterSpec.Fence(30L, null, null), null, c.getSpec().allowedNamespaces()));
      return c;
    });
    await().atMost(TIMEOUT).until(() -> world.operator().orElseThrow().clusters().get(name)
        .map(c -> c.usable()).orElse(false));
    assertThat(client.resources(MarathonCluster.class).inNamespace(CLUSTERS).withName(name).get().toString())
        .doesNotContain("s3cr3t-t0ken");
  }

  @Test
  void thePluginBacksUpListsAndRestoresOneClusterAndListsTheClusters() throws Exception {
    String ns = ApiObjects.createNamespace(client, "cli");
    String name = SharedWorld.namespace("mom");
    createCluster(name, "/marathon-user", mom.anyUrl(), List.of(ns));
    awaitReachable(name);
    awaitLeader(mom.anyUrl());
    String kubeconfig = world.writeKubeconfig(java.nio.file.Files.createTempFile("cli", ".kubeconfig"), ns).toString();

    String[] clusters = plugin("--kubeconfig", kubeconfig, "clusters");
    assertThat(clusters[0]).as(clusters[1]).isEqualTo("0");
    assertThat(clusters[1].lines().findFirst().orElseThrow())
        .startsWith("NAME").contains("ZOOKEEPER", "MARATHON", "VERSION", "LEADER", "READY");
    assertThat(clusters[1].lines().filter(line -> line.startsWith(name + " ")).findFirst().orElseThrow())
        .contains("/marathon-user", mom.anyUrl().toString(), "True");
    assertThat(clusters[1].lines().anyMatch(line -> line.startsWith("default "))).isTrue();

    String[] created = plugin("--kubeconfig", kubeconfig, "create", "--label", "cli-mom", "--cluster", name, "--wait");
    assertThat(created[0]).as(created[2]).isEqualTo("0");
    client.resource(ApiObjects.backup(ns, "native", "cli-native")).create();
    awaitPhase(client, Backup.class, ns, "native", Phase.STATUS_READY);
    String[] listed = plugin("--kubeconfig", kubeconfig, "list", "--cluster", name);
    assertThat(listed[1].lines().skip(1).toList()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cli-mom-").contains("STATUS_READY"));
    assertThat(listed[1].lines().findFirst().orElseThrow()).matches("BACKUP ID +VERSION +STATUS +TIMESTAMP +CLUSTER");
    assertThat(listed[1].lines().skip(1).findFirst().orElseThrow()).endsWith(" " + name);
    String[] all = plugin("--kubeconfig", kubeconfig, "list");
    assertThat(all[1].lines().filter(line -> line.startsWith("cli-native-")).findFirst().orElseThrow())
        .as("every backup names its Marathon once two are listed").endsWith(" default");
    String id = listed[1].lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
    String[] shown = plugin("--kubeconfig", kubeconfig, "show", id);
    assertThat(shown[1]).as("show names the Marathon it was taken from")
        .containsPattern("\"cluster\"\\s*:\\s*\"" + name + "\"");

    String[] restored = plugin("--kubeconfig", kubeconfig, "restore", id, "--wait");
    assertThat(restored[0]).as(restored[2]).isEqualTo("0");
    Restore restore = client.resources(Restore.class).inNamespace(ns).list().getItems().stream().findFirst()
        .orElseThrow();
    assertThat(restore.getSpec().cluster()).as("into the Marathon it was taken from").isEqualTo(name);
    assertThat(restore.getSpec().targetCluster()).isNull();
  }

  private static String[] plugin(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.dcos.backup.cli.KubectlBackupCommand.execute(new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(err, true), args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void theExampleIsAcceptedAndCredentialsInTheZooKeeperUrlAreRefused() throws Exception {
    MarathonCluster example;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(
        java.nio.file.Path.of("examples/clusters/marathoncluster-mom.yaml"))) {
      example = client.resources(MarathonCluster.class).load(in).item();
    }
    String name = SharedWorld.namespace("example");
    example.getMetadata().setName(name);
    example.getMetadata().setNamespace(CLUSTERS);
    client.resource(example).create();
    await().atMost(TIMEOUT).until(() -> statusOf(name) != null);
    assertThat(statusOf(name).message()).as("its Secrets are not in this world")
        .isEqualTo("spec.credentials.zookeeperDigest: Secret marathon-user-zk not found in namespace " + CLUSTERS);
    client.resources(MarathonCluster.class).inNamespace(CLUSTERS).withName(name).delete();

    MarathonCluster leaky = cluster(SharedWorld.namespace("leaky"), "zk://super:secret@zk-1:2181/marathon",
        URI.create("http://marathon.mesos:8080"), null);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.resource(leaky).create())
        .hasMessageContaining("zookeeper holds no credentials");
  }

  private static boolean overlap(BackupStatus a, BackupStatus b) {
    Instant aStart = Instant.parse(a.startTime());
    Instant aEnd = Instant.parse(a.completionTime());
    Instant bStart = Instant.parse(b.startTime());
    Instant bEnd = Instant.parse(b.completionTime());
    return aStart.isBefore(bEnd) && bStart.isBefore(aEnd);
  }

  private static OperationQueue queue() {
    return world.operator().orElseThrow().queue();
  }

  private static String operationKey(String ns, String backup) {
    return "Backup/" + client.resources(Backup.class).inNamespace(ns).withName(backup).get().getMetadata().getUid();
  }

  /** Holds a cluster's lane: what is queued behind stays queued until the latch opens. */
  private static CountDownLatch blockLane(String lane) {
    CountDownLatch gate = new CountDownLatch(1);
    OperatorRuntime operator = world.operator().orElseThrow();
    operator.queue().submit(lane, "test/gate-" + System.nanoTime(), "test gate", progress -> {
      gate.await();
      return null;
    }, () -> { });
    return gate;
  }

  private static Backup backupOf(String ns, String name, String label, String cluster) {
    Backup backup = ApiObjects.backup(ns, name, label);
    backup.setSpec(new BackupSpec(label, null, null, cluster));
    return backup;
  }

  private static void createCluster(String name, String path, URI marathon, List<String> allowed) {
    client.resource(cluster(name, "zk://" + world.zookeeper().connectString() + path, marathon, allowed)).create();
  }

  private static MarathonCluster cluster(String name, String zookeeper, URI marathon, List<String> allowed) {
    MarathonCluster cluster = new MarathonCluster();
    cluster.getMetadata().setName(name);
    cluster.getMetadata().setNamespace(CLUSTERS);
    cluster.setSpec(new MarathonClusterSpec(zookeeper, new MarathonClusterSpec.Endpoint(marathon.toString()), null,
        null, null, null, allowed));
    return cluster;
  }

  private static MarathonClusterStatus statusOf(String name) {
    MarathonCluster cluster = client.resources(MarathonCluster.class).inNamespace(CLUSTERS).withName(name).get();
    return cluster == null ? null : cluster.getStatus();
  }

  private static MarathonClusterStatus awaitReachable(String name) {
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> statusOf(name) != null && Boolean.TRUE.equals(statusOf(name).reachable()));
    return statusOf(name);
  }

  private static void awaitLeader(URI marathon) {
    MarathonClient client = new MarathonClient(marathon, MarathonCredentials.none(), Duration.ofSeconds(2));
    await().atMost(TIMEOUT).ignoreExceptions().until(() -> client.info().elected());
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> String message(Class<T> type, String ns,
      String name) {
    T object = client.resources(type).inNamespace(ns).withName(name).get();
    if (object instanceof Backup backup) {
      return backup.getStatus() == null ? null : backup.getStatus().message();
    }
    Restore restore = (Restore) object;
    return restore == null || restore.getStatus() == null ? null : restore.getStatus().message();
  }

  private static Condition condition(MarathonClusterStatus status, String type) {
    return condition(status.conditions(), type);
  }

  private static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.type())).findFirst().orElseThrow();
  }
}
