package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 3, item 6 at the operator level: Marathon without a leader, unreachable, answering 401 or 403, or ignoring
 * abdication → a Backup and a Restore end STATUS_ERROR within a bounded time with a message saying which, ZooKeeper's
 * state untouched, the fence released (no operator participant left in Marathon's election). Marathon is a tiny fake
 * HTTP server whose behaviour each case switches; ZooKeeper and the API server are real (embedded).
 */
class MarathonFaultsTest {
  private static final Duration BOUND = Duration.ofSeconds(40);
  private static volatile String mode = "ok";
  private static HttpServer marathon;
  private static EmbeddedWorld world;
  private static KubernetesClient client;
  private static CuratorFramework zk;
  private static String backupId;

  @BeforeAll
  static void start() throws Exception {
    marathon = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    marathon.createContext("/", MarathonFaultsTest::answer);
    marathon.start();
    world = EmbeddedWorld.builder()
        .externalMarathon(URI.create("http://127.0.0.1:" + marathon.getAddress().getPort()))
        .fenceOptions(new FenceOptions(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5),
            Duration.ofMillis(50)))
        .start();
    client = world.client();
    zk = ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15));
    zk.create().creatingParentsIfNeeded().forPath(world.zookeeper().statePath() + "/apps/3/app", "v1".getBytes());
    zk.create().creatingParentsIfNeeded().forPath(world.zookeeper().latchPath());
    client.resource(backup("faults", "healthy", "healthy")).create();
    Backup healthy = awaitTerminal(Backup.class, "faults", "healthy");
    assertThat(healthy.getStatus().phase()).as(healthy.getStatus().message()).isEqualTo(Phase.STATUS_READY);
    backupId = healthy.getStatus().id();
  }

  @AfterAll
  static void stop() {
    if (zk != null) {
      zk.close();
    }
    if (world != null) {
      world.close();
    }
    if (marathon != null) {
      marathon.stop(0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "no-leader, has no leader",
      "unreachable, is unreachable",
      "unauthorized, 401 Unauthorized",
      "forbidden, 403 Forbidden",
      "ignores-abdication, did not abdicate"})
  void aMarathonFaultEndsTheOperationInErrorSayingWhichAndTouchesNothing(String fault, String expected)
      throws Exception {
    Map<String, Long> stateBefore = stateVersions();
    LeaderLatch stubbornLeader = null;
    if (fault.equals("ignores-abdication")) {
      // A Marathon leader in the election that answers DELETE /v2/leader with 200 and never leaves.
      stubbornLeader = new LeaderLatch(zk, world.zookeeper().latchPath(), "127.0.0.1:" + marathon.getAddress()
          .getPort());
      stubbornLeader.start();
      stubbornLeader.await();
    }
    mode = fault;
    try {
      String backupName = "backup-" + fault;
      String restoreName = "restore-" + fault;
      client.resource(backup("faults", backupName, "fault-" + fault)).create();
      Backup failedBackup = awaitTerminal(Backup.class, "faults", backupName);
      client.resource(restore("faults", restoreName, backupId)).create();
      Restore failedRestore = awaitTerminal(Restore.class, "faults", restoreName);

      assertThat(failedBackup.getStatus().phase()).isEqualTo(Phase.STATUS_ERROR);
      assertThat(failedBackup.getStatus().message()).contains(expected);
      assertThat(failedRestore.getStatus().phase()).isEqualTo(Phase.STATUS_ERROR);
      assertThat(failedRestore.getStatus().message()).contains(expected);
      assertThat(world.service().archive(failedBackup.getStatus().id())).as("no archive of a failed backup").isEmpty();
      assertThat(stateVersions()).as("ZooKeeper state untouched").isEqualTo(stateBefore);
      for (String participant : zk.getChildren().forPath(world.zookeeper().latchPath())) {
        String id = new String(zk.getData().forPath(world.zookeeper().latchPath() + "/" + participant),
            StandardCharsets.UTF_8);
        assertThat(id).as("fence released").doesNotStartWith(MarathonFence.ID_PREFIX);
      }
    } finally {
      mode = "ok";
      if (stubbornLeader != null) {
        stubbornLeader.close();
      }
    }
  }

  /** Every node under state with its mzxid: any write would change it. */
  private static Map<String, Long> stateVersions() throws Exception {
    Map<String, Long> versions = new TreeMap<>();
    walk(world.zookeeper().statePath(), versions);
    return versions;
  }

  private static void walk(String path, Map<String, Long> versions) throws Exception {
    Stat stat = zk.checkExists().forPath(path);
    versions.put(path, stat.getMzxid() * 31 + stat.getPzxid());
    for (String child : zk.getChildren().forPath(path)) {
      walk(path + "/" + child, versions);
    }
  }

  private static void answer(HttpExchange exchange) throws java.io.IOException {
    String path = exchange.getRequestURI().getPath();
    String self = "127.0.0.1:" + marathon.getAddress().getPort();
    switch (mode) {
      case "unreachable" -> {
        exchange.close(); // connection dropped without an answer
        return;
      }
      case "unauthorized" -> respond(exchange, 401, "{\"message\":\"Invalid username or password.\"}");
      case "forbidden" -> respond(exchange, 403, "{\"message\":\"Not Authorized to perform this action!\"}");
      // What Marathon answers during an election: the leader endpoint 404, everything else proxied and 503.
      case "no-leader" -> respond(exchange, path.startsWith("/v2/leader") ? 404 : 503, path.startsWith("/v2/leader")
          ? "{\"message\":\"There is no leader\"}" : "{\"message\":\"Could not determine the current leader\"}");
      default -> {
        if (path.equals("/v2/leader")) {
          respond(exchange, 200, exchange.getRequestMethod().equals("DELETE")
              ? "{\"message\":\"Leadership abdicated\"}" : "{\"leader\":\"" + self + "\"}");
        } else if (path.equals("/v2/info")) {
          respond(exchange, 200, "{\"name\":\"marathon\",\"version\":\"1.10.17\",\"elected\":true,\"leader\":\""
              + self + "\",\"frameworkId\":\"fw\"}");
        } else {
          respond(exchange, 200, "pong");
        }
      }
    }
  }

  private static void respond(HttpExchange exchange, int code, String body) throws java.io.IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Backup backup(String ns, String name, String label) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace(ns);
    backup.setSpec(new BackupSpec(label));
    return backup;
  }

  private static Restore restore(String ns, String name, String id) {
    Restore restore = new Restore();
    restore.getMetadata().setName(name);
    restore.getMetadata().setNamespace(ns);
    restore.setSpec(new RestoreSpec(id, null));
    return restore;
  }

  private static <T extends HasMetadata> T awaitTerminal(Class<T> type, String ns, String name) {
    await().atMost(BOUND).pollInterval(Duration.ofMillis(100)).until(() -> {
      T object = client.resources(type).inNamespace(ns).withName(name).get();
      Phase phase = object instanceof Backup b ? (b.getStatus() == null ? null : b.getStatus().phase())
          : object == null || ((Restore) object).getStatus() == null ? null : ((Restore) object).getStatus().phase();
      return phase != null && phase.isTerminal();
    });
    return client.resources(type).inNamespace(ns).withName(name).get();
  }
}
