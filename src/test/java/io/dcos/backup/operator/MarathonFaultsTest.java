package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.testing.Closer;
import io.dcos.backup.testing.TestFences;
import io.dcos.backup.testing.ZkTrees;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
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
  @RegisterExtension
  static final Closer CLOSER = new Closer();
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
    CLOSER.add(() -> marathon.stop(0));
    world = CLOSER.add(SharedWorld.builder(1, "marathon-faults-backups")
        .externalMarathon(URI.create("http://127.0.0.1:" + marathon.getAddress().getPort()))
        .fenceOptions(TestFences.FAST_FAILING)
        .start());
    client = world.client();
    zk = CLOSER.add(ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15)));
    zk.create().creatingParentsIfNeeded().forPath(world.zookeeper().statePath() + "/apps/3/app", "v1".getBytes());
    zk.create().creatingParentsIfNeeded().forPath(world.zookeeper().latchPath());
    client.resource(ApiObjects.backup("faults", "healthy", "healthy")).create();
    Backup healthy = ApiObjects.awaitTerminal(client, Backup.class, "faults", "healthy", BOUND);
    assertThat(healthy.getStatus().phase()).as(healthy.getStatus().message()).isEqualTo(Phase.STATUS_READY);
    backupId = healthy.getStatus().id();
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
    Map<String, String> stateBefore = stateVersions();
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
      client.resource(ApiObjects.backup("faults", backupName, "fault-" + fault)).create();
      Backup failedBackup = ApiObjects.awaitTerminal(client, Backup.class, "faults", backupName, BOUND);
      client.resource(ApiObjects.restore("faults", restoreName, backupId)).create();
      Restore failedRestore = ApiObjects.awaitTerminal(client, Restore.class, "faults", restoreName, BOUND);

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

  private static Map<String, String> stateVersions() throws Exception {
    return ZkTrees.changeStamps(zk, world.zookeeper().statePath());
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
}
