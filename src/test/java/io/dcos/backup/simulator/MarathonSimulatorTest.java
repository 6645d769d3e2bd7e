package io.dcos.backup.simulator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.testing.InProcessZooKeeper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MarathonSimulatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final SimulatorOptions FAST = SimulatorOptions.defaults()
      .withRestartDelay(Duration.ofMillis(300)).withWriteInterval(Duration.ofMillis(100))
      .withExitDelay(Duration.ofMillis(200));

  @RegisterExtension
  final InProcessZooKeeper zooKeeper = new InProcessZooKeeper();
  private final TestingServer server = zooKeeper.server();
  private final CuratorFramework zk = zooKeeper.client();
  private MarathonSimulator sim;

  @AfterEach
  void tearDown() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void electsExactlyOneLeaderAndCreatesTheBaseLayout() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 3, FAST);
    int leader = awaitLeader();
    // Sampled for a while: two elected instances at once would be a split brain.
    for (int i = 0; i < 20; i++) {
      assertThat(sim.electedCount()).isEqualTo(1);
      Thread.sleep(25);
    }
    List<String> latch = latchDataInOrder();
    assertThat(latch).hasSize(3).containsExactlyInAnyOrderElementsOf(sim.hostPorts());
    assertThat(latch.get(0)).isEqualTo(sim.hostPorts().get(leader));
    assertThat(zk.checkExists().forPath("/marathon/state/internal:storage:version")).isNotNull();
    assertThat(zk.checkExists().forPath("/marathon/state/group/2/root")).isNotNull();
    assertThat(zk.checkExists().forPath("/marathon/state/framework-id/b/id")).isNotNull();

    JsonNode info = json(get(sim.urls().get(leader), "/v2/info"));
    assertThat(info.path("elected").asBoolean()).isTrue();
    assertThat(info.path("leader").asText()).isEqualTo(sim.hostPorts().get(leader));
    assertThat(info.path("version").asText()).isEqualTo("1.10.17-sim");
    assertThat(info.path("http_config").path("http_port").asInt()).isEqualTo(sim.urls().get(leader).getPort());
    assertThat(info.path("frameworkId").asText()).isNotBlank();
    assertThat(get(sim.urls().get(leader), "/ping").body()).isEqualTo("pong");
  }

  @Test
  void appsCreatedThroughAStandbySurviveALeaderChange() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 3, FAST);
    int leader = awaitLeader();
    URI standby = sim.urls().get((leader + 1) % 3);

    HttpResponse<String> created = send("POST", standby, "/v2/apps", "{\"id\":\"/prod/web\",\"cmd\":\"sleep 1000\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    String version = json(created).path("version").asText();
    String bucket = MarathonLayout.bucket("prod_web");
    assertThat(zk.getChildren().forPath("/marathon/state/apps/" + bucket + "/prod_web")).containsExactly(version);
    JsonNode group = JSON.readTree(zk.getData().forPath("/marathon/state/group/2/root"));
    assertThat(group.path("apps").get(0).path("id").asText()).isEqualTo("/prod/web");
    assertThat(zk.getChildren().forPath("/marathon/state/group/2/root")).contains(version);
    assertThat(send("POST", standby, "/v2/apps", "{\"id\":\"/prod/web\"}").statusCode()).isEqualTo(409);

    assertThat(send("DELETE", sim.urls().get(leader), "/v2/leader", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().filter(i -> i != leader).isPresent());
    int newLeader = sim.leaderIndex().orElseThrow();

    // The new leader never saw the POST: it can only know the app from ZooKeeper.
    JsonNode app = json(get(sim.urls().get(newLeader), "/v2/apps/prod/web")).path("app");
    assertThat(app.path("version").asText()).isEqualTo(version);
    assertThat(app.path("cmd").asText()).isEqualTo("sleep 1000");
    assertThat(json(get(sim.urls().get(newLeader), "/v2/apps")).path("apps")).hasSize(1);

    // The third instance: the old leader may still be restarting.
    URI other = sim.urls().get(3 - leader - newLeader);
    assertThat(send("DELETE", other, "/v2/apps/prod/web", null).statusCode()).isEqualTo(200);
    assertThat(get(sim.urls().get(newLeader), "/v2/apps/prod/web").statusCode()).isEqualTo(404);
    assertThat(zk.checkExists().forPath("/marathon/state/apps/" + bucket + "/prod_web")).isNull();
  }

  @Test
  void leaderTakingItsInstancesInTurnWritesEveryOneAndCountsTheWrites() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1,
        FAST.withWriteInterval(Duration.ofMillis(20)).withInstancesPerWrite(1));
    int leader = awaitLeader();
    for (int i = 0; i < 3; i++) {
      assertThat(send("POST", sim.urls().get(leader), "/v2/apps", "{\"id\":\"/turn/app-" + i + "\"}").statusCode())
          .isEqualTo(201);
    }
    long from = sim.instanceWrites();
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.instanceWrites() - from >= 9);
    List<String> written = new java.util.ArrayList<>();
    for (String bucket : zk.getChildren().forPath("/marathon/state/instance")) {
      for (String id : zk.getChildren().forPath("/marathon/state/instance/" + bucket)) {
        written.add(JSON.readTree(zk.getData().forPath("/marathon/state/instance/" + bucket + "/" + id))
            .path("runSpecId").asText());
      }
    }
    assertThat(written).as("every app's instance written, one node each")
        .containsExactlyInAnyOrder("/turn/app-0", "/turn/app-1", "/turn/app-2");
  }

  @Test
  void abdicatedLeaderExitsAndRejoinsWithAHigherSequenceNumber() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 3, FAST.withRestartDelay(Duration.ofSeconds(1)));
    int leader = awaitLeader();
    String hostPort = sim.hostPorts().get(leader);
    long oldSeq = sequenceOf(hostPort).orElseThrow();
    int electionsBefore = sim.elections();

    HttpResponse<String> r = send("DELETE", sim.urls().get(leader), "/v2/leader", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("message").asText()).isEqualTo("Leadership abdicated");

    // Down: HTTP closed and its latch node gone with its session.
    await().atMost(Duration.ofSeconds(5)).until(() -> !sim.isUp(leader) && sequenceOf(hostPort).isEmpty());
    assertThat(pingStatus(sim.urls().get(leader))).isEqualTo(-1);
    // Back: same port, new participant behind everyone else, and not the leader.
    await().atMost(Duration.ofSeconds(10)).until(() -> sequenceOf(hostPort).isPresent());
    assertThat(sequenceOf(hostPort).orElseThrow()).isGreaterThan(oldSeq);
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.leaderIndex().isPresent());
    assertThat(sim.leaderIndex().orElseThrow()).isNotEqualTo(leader);
    assertThat(sim.elections()).isEqualTo(electionsBefore + 1);
    assertThat(latchDataInOrder().get(2)).isEqualTo(hostPort);
  }

  @Test
  void standbyProxiesToTheLeader() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 3, FAST);
    int leader = awaitLeader();
    URI standby = standbyOf(leader);
    HttpResponse<String> r = get(standby, "/v2/leader");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("leader").asText()).isEqualTo(sim.hostPorts().get(leader));
    assertThat(r.headers().firstValue("X-Marathon-Leader")).contains("http://" + sim.hostPorts().get(leader));
    assertThat(r.headers().firstValue("X-Marathon-Via")).contains("1.1 " + standby.getHost() + ":" + standby.getPort());
    assertThat(json(get(standby, "/v2/info")).path("elected").asBoolean()).isTrue();
  }

  @Test
  void basicAuthIsRequiredWhenConfigured() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST.withBasicAuth("admin:s3cret"));
    awaitLeader();
    assertThat(get(sim.anyUrl(), "/v2/info").statusCode()).isEqualTo(401);
    HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(sim.anyUrl().resolve("/v2/info"))
        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:s3cret".getBytes(UTF_8)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(get(sim.anyUrl(), "/ping").statusCode()).isEqualTo(200);
  }

  @Test
  void digestCredentialsProtectTheStateAndAreRedactedInInfo() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 1, FAST.withZkDigest("dcos_marathon:s3cret"));
    awaitLeader();
    String zkUrl = json(get(sim.anyUrl(), "/v2/info")).path("zookeeper_config").path("zk").asText();
    assertThat(zkUrl).endsWith("/marathon").contains("xxxxxxxx").doesNotContain("s3cret").doesNotContain("dcos_marathon");
    CuratorFramework asMarathon = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .retryPolicy(new RetryOneTime(100)).authorization("digest", "dcos_marathon:s3cret".getBytes(UTF_8)).build();
    asMarathon.start();
    List<org.apache.zookeeper.data.ACL> acl;
    try {
      acl = asMarathon.getACL().forPath("/marathon/state/group/2/root");
    } finally {
      asMarathon.close();
    }
    assertThat(acl).singleElement().satisfies(a -> {
      assertThat(a.getId().getScheme()).isEqualTo("digest");
      assertThat(a.getId().getId()).startsWith("dcos_marathon:");
    });
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> zk.getData().forPath("/marathon/state/group/2/root")))
        .isInstanceOf(org.apache.zookeeper.KeeperException.NoAuthException.class);
  }

  @Test
  void standbyAnswers503WhileThereIsNoLeader() throws Exception {
    sim = MarathonSimulator.start(server.getConnectString(), "/marathon", 3, FAST);
    int leader = awaitLeader();
    URI standby = standbyOf(leader);
    // Without ZooKeeper nobody can lead: the leader exits and standbys cannot name a leader.
    server.stop();
    await().atMost(Duration.ofSeconds(20)).until(() -> sim.leaderIndex().isEmpty());
    HttpResponse<String> r = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(standby, "/v2/apps"),
        x -> x.statusCode() == 503);
    assertThat(json(r).path("message").asText()).isEqualTo("Could not determine the current leader");

    server.restart();
    await().atMost(Duration.ofSeconds(30)).until(() -> sim.leaderIndex().isPresent());
    assertThat(get(standby, "/v2/apps").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------------------------------------------------

  private int awaitLeader() {
    await().atMost(Duration.ofSeconds(15)).until(() -> sim.leaderIndex().isPresent());
    return sim.leaderIndex().orElseThrow();
  }

  private URI standbyOf(int leader) {
    return sim.urls().get((leader + 1) % sim.urls().size());
  }

  private List<String> latchDataInOrder() throws Exception {
    return zk.getChildren().forPath("/marathon/leader-curator").stream()
        .sorted(Comparator.comparing(c -> c.substring(c.lastIndexOf("latch-"))))
        .map(c -> {
          try {
            return new String(zk.getData().forPath("/marathon/leader-curator/" + c), UTF_8);
          } catch (Exception e) {
            return "";
          }
        }).toList();
  }

  private Optional<Long> sequenceOf(String hostPort) throws Exception {
    for (String c : zk.getChildren().forPath("/marathon/leader-curator")) {
      try {
        if (new String(zk.getData().forPath("/marathon/leader-curator/" + c), UTF_8).equals(hostPort)) {
          return Optional.of(Long.parseLong(c.substring(c.lastIndexOf("latch-") + 6)));
        }
      } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
        // left meanwhile
      }
    }
    return Optional.empty();
  }

  private static int pingStatus(URI base) {
    try {
      return get(base, "/ping").statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static HttpResponse<String> get(URI base, String path) throws Exception {
    return send("GET", base, path, null);
  }

  static HttpResponse<String> send(String method, URI base, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }
}
