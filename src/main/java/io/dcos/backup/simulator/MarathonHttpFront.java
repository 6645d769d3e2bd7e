package io.dcos.backup.simulator;

import static io.dcos.backup.simulator.HttpReplies.message;
import static io.dcos.backup.simulator.HttpReplies.send;
import static io.dcos.backup.simulator.HttpReplies.sendJson;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marathon's LeaderProxyFilter, which covers every path ("/*"): the leader serves a request itself
 * ({@link MarathonApi}), a standby forwards it to the leader, or answers 503 when no leader is known.
 */
final class MarathonHttpFront implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(MarathonHttpFront.class);
  private static final Set<String> NOT_FORWARDED =
      Set.of("host", "connection", "content-length", "expect", "upgrade", "date", "transfer-encoding");

  private final MarathonLifetime lifetime;
  private final MarathonApi api;
  private final MarathonSimulator sim;

  MarathonHttpFront(MarathonLifetime lifetime, MarathonApi api, MarathonSimulator sim) {
    this.lifetime = lifetime;
    this.api = api;
    this.sim = sim;
  }

  @Override
  public void handle(HttpExchange ex) {
    try {
      dispatch(ex);
    } catch (Throwable t) {
      LOG.debug("marathon {}: {} {} failed: {}", lifetime.hostPort(), ex.getRequestMethod(), ex.getRequestURI(),
          t.toString());
      try {
        sendJson(ex, 500, message(String.valueOf(t.getMessage())));
      } catch (Exception ignored) {
        // the connection is gone
      }
    } finally {
      ex.close();
    }
  }

  private void dispatch(HttpExchange ex) throws Exception {
    String hostPort = lifetime.hostPort();
    if (lifetime.isElected()) {
      api.serve(ex);
      return;
    }
    Optional<String> leader = lifetime.leaderHostPort();
    if (leader.isEmpty() || leader.get().equals(hostPort)) {
      // As Marathon: wait up to 10 x 250 ms for a consistent leadership state, then 503.
      for (int i = 0; i < 10 && !lifetime.hasExited(); i++) {
        Thread.sleep(250);
        if (lifetime.isElected()) {
          api.serve(ex);
          return;
        }
        leader = lifetime.leaderHostPort();
        if (leader.isPresent() && !leader.get().equals(hostPort)) {
          break;
        }
      }
      if (leader.isEmpty() || leader.get().equals(hostPort)) {
        sendJson(ex, 503, message("Could not determine the current leader"));
        return;
      }
    }
    proxy(ex, leader.get());
  }

  private void proxy(HttpExchange ex, String leader) throws Exception {
    String via = "1.1 " + lifetime.hostPort();
    List<String> vias = ex.getRequestHeaders().get("X-Marathon-Via");
    if (vias != null && vias.contains(via)) {
      sendJson(ex, 502, message("Detected proxying loop."));
      return;
    }
    URI target;
    try {
      String q = ex.getRequestURI().getRawQuery();
      target = new URI(sim.options.scheme() + "://" + leader + ex.getRequestURI().getRawPath()
          + (q == null ? "" : "?" + q));
      if (target.getHost() == null || target.getPort() < 0) {
        throw new IllegalArgumentException("not host:port");
      }
    } catch (Exception e) {
      // Marathon builds a URL from whatever the leader's latch node holds; a non host:port fails here.
      sendJson(ex, 500, message("while proxying: leader data '" + leader + "' is not a host:port"));
      return;
    }
    String method = ex.getRequestMethod();
    HttpRequest.BodyPublisher body = Set.of("GET", "HEAD", "DELETE").contains(method)
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes());
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).method(method, body);
    ex.getRequestHeaders().forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase())) {
        values.forEach(v -> b.header(name, v));
      }
    });
    b.header("X-Marathon-Via", via);
    b.header("X-Forwarded-For", ex.getRemoteAddress().getAddress().getHostAddress());
    HttpResponse<byte[]> r;
    try {
      r = sim.proxyClient.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      sendJson(ex, 502, message("Connection to leader refused."));
      return;
    } catch (HttpTimeoutException e) {
      sendJson(ex, 504, message("Connection to leader timed out."));
      return;
    } catch (IOException e) {
      sendJson(ex, 502, message("Failed to successfully establish a connection to the leader."));
      return;
    }
    r.headers().map().forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
        values.forEach(v -> ex.getResponseHeaders().add(name, v));
      }
    });
    ex.getResponseHeaders().add("X-Marathon-Via", via);
    send(ex, r.statusCode(), r.body());
  }
}
