package io.dcos.backup.marathon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MarathonClientTest {

  private HttpServer server;
  private volatile int status = 200;
  private volatile String body = "{}";
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.createContext("/", ex -> {
      seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " auth="
          + ex.getRequestHeaders().getFirst("Authorization"));
      byte[] b = body.getBytes(UTF_8);
      ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
      if (b.length > 0) {
        ex.getResponseBody().write(b);
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private MarathonClient client(MarathonCredentials c) {
    return new MarathonClient(url(), c, Duration.ofSeconds(2));
  }

  @Test
  void parsesLeaderAndInfoAndSendsTheAcsTokenAsDcosExpects() throws Exception {
    body = "{\"leader\":\"10.0.0.1:8080\"}";
    assertThat(client(MarathonCredentials.token("abc.def")).leader()).contains("10.0.0.1:8080");
    assertThat(seen).containsExactly("GET /v2/leader auth=token=abc.def");

    body = "{\"name\":\"marathon\",\"version\":\"1.10.17\",\"elected\":true,\"leader\":\"10.0.0.1:8080\","
        + "\"frameworkId\":\"fw-1\",\"zookeeper_config\":{\"zk\":\"zk://xxx@zk/marathon\"}}";
    assertThat(client(MarathonCredentials.basic("u", "p")).info())
        .isEqualTo(new MarathonInfo("marathon", "1.10.17", true, "10.0.0.1:8080", "fw-1"));
    assertThat(seen.get(1)).isEqualTo("GET /v2/info auth=Basic dTpw");

    status = 404;
    body = "{\"message\":\"There is no leader\"}";
    assertThat(client(MarathonCredentials.none()).leader()).isEmpty();
    status = 503;
    body = "{\"message\":\"Could not determine the current leader\"}";
    assertThat(client(MarathonCredentials.none()).leader()).isEmpty();
  }

  @Test
  void eachFailureHasItsOwnMessageAndNoneLeaksCredentials() throws Exception {
    MarathonClient basic = client(MarathonCredentials.basic("alice", "hunter2"));

    status = 401;
    assertThatThrownBy(() -> client(MarathonCredentials.none()).abdicate())
        .isInstanceOfSatisfying(MarathonException.class, e -> assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNAUTHORIZED))
        .hasMessageContaining("401 Unauthorized").hasMessageContaining("no credentials are configured");
    assertThatThrownBy(basic::info).hasMessageContaining("did not accept basic credentials of user 'alice'")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> client(MarathonCredentials.token("s3cr3t-token")).info())
        .hasMessageContaining("an ACS token").hasMessageNotContaining("s3cr3t");

    status = 403;
    assertThatThrownBy(basic::abdicate)
        .isInstanceOfSatisfying(MarathonException.class, e -> assertThat(e.statusCode()).isEqualTo(403))
        .hasMessageContaining("403 Forbidden").hasMessageContaining("admin:leader").hasMessageNotContaining("hunter2");

    status = 503;
    body = "{\"message\":\"Could not determine the current leader\"}";
    assertThatThrownBy(basic::info)
        .isInstanceOfSatisfying(MarathonException.class, e -> assertThat(e.kind()).isEqualTo(MarathonException.Kind.NO_LEADER))
        .hasMessageContaining("has no leader right now");

    status = 500;
    body = "<html>boom</html>";
    assertThatThrownBy(basic::info)
        .isInstanceOfSatisfying(MarathonException.class, e -> assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNEXPECTED))
        .hasMessageContaining("unexpected status 500").hasMessageContaining("boom");

    status = 200;
    body = "not json";
    assertThatThrownBy(basic::info).hasMessageContaining("not the expected JSON");

    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    MarathonClient unreachable = new MarathonClient(URI.create("http://alice:hunter2@127.0.0.1:" + dead + "/"),
        MarathonCredentials.none(), Duration.ofSeconds(1));
    assertThatThrownBy(unreachable::info)
        .isInstanceOfSatisfying(MarathonException.class, e -> {
          assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNREACHABLE);
          assertThat(e.statusCode()).isZero();
        })
        .hasMessageContaining("http://127.0.0.1:" + dead + " is unreachable").hasMessageNotContaining("hunter2");
    assertThat(unreachable.ping()).isFalse();
  }

  @Test
  void pingAndForLeader() {
    body = "pong\n";
    MarathonClient c = new MarathonClient(URI.create("http://localhost:1/service/marathon/"),
        MarathonCredentials.token("t"), Duration.ofSeconds(2));
    MarathonClient leader = c.forLeader("127.0.0.1:" + server.getAddress().getPort());
    assertThat(leader.ping()).isTrue();
    assertThat(leader.baseUrl()).isEqualTo(url());
    assertThat(seen).containsExactly("GET /ping auth=token=t");
    assertThatThrownBy(() -> c.forLeader("marathon-backup-operator:1234-abcd")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void credentialsNeverPrintTheirSecret() {
    assertThat(MarathonCredentials.basic("bob", "pw123").toString()).contains("bob").doesNotContain("pw123");
    assertThat(MarathonCredentials.token("tok456").toString()).doesNotContain("tok456");
    assertThat(client(MarathonCredentials.basic("bob", "pw123")).toString()).doesNotContain("pw123");
  }
}
