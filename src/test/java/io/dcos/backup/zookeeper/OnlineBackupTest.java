package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.testing.TestFences;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

/**
 * `spec.consistency: Online`: a snapshot without restarting Marathon, kept only when proven consistent; and what a
 * fenced backup costs Marathon in leaderless time.
 */
class OnlineBackupTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FenceOptions FENCE = TestFences.withPollInterval(TestFences.SANDBOX,
      Duration.ofMillis(20));

  private static EmbeddedWorld world(Duration writeInterval) throws Exception {
    return world(writeInterval, 3);
  }

  private static EmbeddedWorld world(Duration writeInterval, int instances) throws Exception {
    ZkTestSupport.quietZooKeeperLogs();
    return SharedWorld.builder(instances, "online-backups")
        .withKubernetes(false)
        // Restart delay 0: what the fence itself costs, not DC/OS's 15 s supervisor pause.
        .simulatorOptions(new SimulatorOptions(Duration.ZERO, writeInterval, Duration.ofMillis(500), Optional.empty(),
            Optional.empty()))
        .fenceOptions(FENCE)
        .start();
  }

  private static void createApps(EmbeddedWorld world, int count) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < count; i++) {
      String body = "{\"id\":\"/online/app-" + i + "\",\"cmd\":\"sleep 1000\",\"instances\":1}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(world.marathonUrl() + "/v2/apps"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }
  }

  private static void awaitLeader(MarathonSimulator sim) throws InterruptedException {
    for (int i = 0; i < 300 && sim.leaderIndex().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(sim.leaderIndex()).isPresent();
  }

  @Test
  void onlineBackupOfAQuietMarathonRestartsNothing() throws Exception {
    try (EmbeddedWorld world = world(Duration.ofHours(1))) {
      MarathonSimulator sim = world.simulator().orElseThrow();
      awaitLeader(sim);
      createApps(world, 5);
      int elections = sim.elections();
      Optional<Integer> leader = sim.leaderIndex();

      List<String> steps = new ArrayList<>();
      BackupOutcome outcome = world.service().backup("online-" + UUID.randomUUID(), "online", BackupOptions.ONLINE,
          steps::add);

      assertThat(outcome.consistency()).isEqualTo(BackupOutcome.Consistency.ONLINE);
      assertThat(outcome.marathonLeaderless()).isEqualTo(Duration.ZERO);
      assertThat(outcome.abdications()).isZero();
      assertThat(sim.elections()).as("no Marathon was restarted").isEqualTo(elections);
      assertThat(sim.leaderIndex()).isEqualTo(leader);
      assertThat(steps).noneMatch(s -> s.contains("abdicat"));
      assertThat(appIds(world.service(), outcome)).hasSize(5);
    }
  }

  @Test
  void backupsOfABusyMarathonAreNeverInconsistent() throws Exception {
    // The leader rewrites all 40 instance nodes, one call each, every millisecond, all with the same "updated"
    // time per round. Any point-in-time state shows at most two rounds; a walk that spans several shows more.
    try (EmbeddedWorld world = world(Duration.ofMillis(1))) {
      MarathonSimulator sim = world.simulator().orElseThrow();
      awaitLeader(sim);
      createApps(world, 40);
      Thread.sleep(300);
      String state = world.zookeeper().statePath();
      try (CuratorFramework zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30),
          Duration.ofSeconds(30))) {
        // The check has teeth: a slow node-at-a-time walk that does not require consistency sees mixed rounds...
        TreeReader.Limits oneAtATime = new TreeReader.Limits(1, 1, 1, 1 << 20, 1 << 20, 1 << 20, 1 << 20, true);
        List<ZNode> mixed = new ArrayList<>();
        new StateSnapshotter(zk, oneAtATime).snapshot(state, slowly(mixed));
        assertThat(rounds(mixed)).as("rounds seen by an unchecked slow walk").isGreaterThan(2);
        // ...and the strict walk refuses exactly that.
        assertThatThrownBy(() -> new StateSnapshotter(zk, oneAtATime).snapshot(state, slowly(new ArrayList<>()), true))
            .isInstanceOf(StateChangedException.class);
      }

      Set<BackupOutcome.Consistency> seen = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        awaitLeader(sim);
        BackupOutcome outcome = world.service().backup("busy-" + UUID.randomUUID(), "busy",
            new BackupOptions(true, 2, Duration.ofMillis(50)), ProgressListener.NONE);
        seen.add(outcome.consistency());
        List<ZNode> nodes = archived(world.service(), outcome);
        assertThat(rounds(nodes)).as("instance rounds in a %s backup", outcome.consistency()).isBetween(1, 2);
        assertThat(nodes.stream().filter(n -> n.relativePath().startsWith("/instance/") && n.relativePath()
            .chars().filter(c -> c == '/').count() == 3)).hasSize(40);
      }
      assertThat(seen).isNotEmpty().isSubsetOf(BackupOutcome.Consistency.ONLINE,
          BackupOutcome.Consistency.FENCED_FALLBACK);
    }
  }

  @Test
  void aFencedBackupCostsAboutTheSnapshotTimeInLeaderlessTime() throws Exception {
    // One abdication whatever the instance count (Marathon exits ~500 ms after accepting it): the standbys queued
    // ahead of the operator are moved behind it instead of being elected, loading and abdicating in turn.
    for (int instances : new int[] {1, 3}) {
      try (EmbeddedWorld world = world(Duration.ofMillis(200), instances)) {
        MarathonSimulator sim = world.simulator().orElseThrow();
        awaitLeader(sim);
        createApps(world, 20);
        for (int i = 0; i < 3; i++) {
          awaitLeader(sim);
          Thread.sleep(200);
          long start = System.nanoTime();
          BackupOutcome outcome = world.service().backup("fenced-" + UUID.randomUUID(), "fenced",
              ProgressListener.NONE);
          long total = (System.nanoTime() - start) / 1_000_000;
          long snapshot;
          try (CuratorFramework zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30),
              Duration.ofSeconds(30))) {
            snapshot = new StateSnapshotter(zk).snapshot(world.zookeeper().statePath(), n -> { }).elapsed().toMillis();
          }
          long leaderless = outcome.marathonLeaderless().toMillis();
          System.out.printf("AVAILABILITY instances=%d run=%d abdications=%d leaderless_ms=%d backup_ms=%d "
              + "snapshot_ms=%d%n", instances, i, outcome.abdications(), leaderless, total, snapshot);
          assertThat(outcome.consistency()).isEqualTo(BackupOutcome.Consistency.FENCED);
          assertThat(outcome.abdications()).isEqualTo(1);
          // A regression guard with room for a loaded CI machine, not the target (README: measured figures).
          assertThat(leaderless).isLessThanOrEqualTo(snapshot + 3_000L);
        }
      }
    }
  }

  private static ZNodeSink slowly(List<ZNode> out) {
    return n -> {
      out.add(n);
      if (n.relativePath().startsWith("/instance/")) {
        try {
          Thread.sleep(15);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** Distinct "updated" times among the instance nodes. */
  private static int rounds(List<ZNode> nodes) throws Exception {
    Set<String> updated = new HashSet<>();
    for (ZNode n : nodes) {
      if (n.relativePath().startsWith("/instance/") && n.data() != null && n.data().length > 0) {
        updated.add(JSON.readTree(n.data()).path("updated").asText());
      }
    }
    return updated.size();
  }

  private static List<ZNode> archived(BackupService service, BackupOutcome outcome) throws Exception {
    List<ZNode> nodes = new ArrayList<>();
    try (ArchiveReader reader = service.store().open(outcome.manifest().id())) {
      for (Iterator<ZNode> it = reader.nodes(); it.hasNext(); ) {
        nodes.add(it.next());
      }
    }
    return nodes;
  }

  private static List<String> appIds(BackupService service, BackupOutcome outcome) throws Exception {
    return archived(service, outcome).stream().map(ZNode::relativePath)
        .filter(p -> p.startsWith("/apps/") && p.chars().filter(c -> c == '/').count() == 3).toList();
  }
}
