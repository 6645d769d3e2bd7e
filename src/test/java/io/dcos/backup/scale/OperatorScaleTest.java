package io.dcos.backup.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, "Operator scale": 1,000 finished Backups in the API. After a (re)start the operator reconciles them all,
 * and a finished Backup costs no ZooKeeper or Marathon call: here both point at a port where nothing listens, so any
 * call would fail and turn an object to STATUS_ERROR or rewrite its status. Prints the time and the heap used.
 */
class OperatorScaleTest {
  private static final int BACKUPS = 1_000;

  @Test
  void aThousandFinishedBackupsAreReconciledWithoutTouchingZooKeeperOrMarathon() throws Exception {
    try (EmbeddedWorld world = SharedWorld.builder(1, "scale-backups")
        .externalZookeeper("zk://127.0.0.1:1/marathon")
        .externalMarathon(URI.create("http://127.0.0.1:1"))
        .withOperator(false)
        .start()) {
      KubernetesClient client = world.client();
      String ns = ApiObjects.createNamespace(client, "scale");
      Map<String, BackupStatus> written = new HashMap<>();
      for (int i = 0; i < BACKUPS; i++) {
        Backup created = client.resource(ApiObjects.backup(ns, "b" + i, "scale-" + i)).create();
        created.setStatus(readyStatus("scale-" + i, created.getMetadata().getUid()));
        Backup withStatus = client.resource(created).updateStatus();
        written.put(withStatus.getMetadata().getName(), withStatus.getStatus());
      }

      System.gc();
      long heapBefore = usedHeap();
      Instant start = Instant.now();
      world.startOperator();
      URI metrics = world.operatorManagementUrl().orElseThrow().resolve("/metrics");
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() ->
          successfulBackupReconciles(http, metrics) >= BACKUPS);
      Duration took = Duration.between(start, Instant.now());
      System.gc();
      long heapAfter = usedHeap();
      // The first pass over each object adds the finalizer (one API write each): that, not the reconcile, is most
      // of the time. Heap after a full GC, whole test JVM (API server with 1,000 objects, operator and its cache).
      System.out.printf("operator scale: %d finished Backups reconciled in %d ms after start; heap used after GC "
          + "%d MB before the operator started, %d MB with it running%n", BACKUPS, took.toMillis(),
          heapBefore >> 20, heapAfter >> 20);

      List<Backup> after = client.resources(Backup.class).inNamespace(ns).list().getItems();
      assertThat(after).hasSize(BACKUPS).allSatisfy(backup -> {
        assertThat(backup.getStatus().phase()).isEqualTo(Phase.STATUS_READY);
        assertThat(backup.getStatus()).as("status of %s not rewritten", backup.getMetadata().getName())
            .isEqualTo(written.get(backup.getMetadata().getName()));
      });
    }
  }

  private static BackupStatus readyStatus(String label, String uid) {
    String now = Instant.now().toString();
    return new BackupStatus(BackupLabels.backupIdFor(label, uid), Phase.STATUS_READY,
        ComponentStatus.marathon(Phase.STATUS_READY), now, now, now, "verified", "1.10.17", "/nowhere", 10L, 100L,
        "0".repeat(64), 1.0, null, null,
        List.of(new Condition(Condition.READY, Condition.TRUE, "BackupReady", "verified", now, 1L),
            new Condition(Condition.FAILED, Condition.FALSE, "BackupReady", "verified", now, 1L),
            new Condition(Condition.RUNNING, Condition.FALSE, "BackupReady", "verified", now, 1L)),
        1L);
  }

  private static double successfulBackupReconciles(HttpClient http, URI metrics) throws Exception {
    String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.lines()
        .filter(line -> line.startsWith("operator_sdk_reconciliations_success_total") && line.contains("backup"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
