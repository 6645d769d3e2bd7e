package io.dcos.backup.simulator;

import static io.dcos.backup.simulator.HttpReplies.JSON;
import static io.dcos.backup.simulator.HttpReplies.message;
import static io.dcos.backup.simulator.HttpReplies.send;
import static io.dcos.backup.simulator.HttpReplies.sendJson;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The REST API a leader serves: {@code /ping}, {@code /v2/leader} (GET, and DELETE to abdicate), {@code /v2/info}
 * and {@code /v2/apps}, behind Marathon's HTTP Basic or DC/OS token check.
 */
final class MarathonApi {

  static final String VERSION = "1.10.17-sim";

  private final MarathonLifetime lifetime;
  private final MarathonState state;
  private final MarathonSimulator sim;

  MarathonApi(MarathonLifetime lifetime, MarathonState state, MarathonSimulator sim) {
    this.lifetime = lifetime;
    this.state = state;
    this.sim = sim;
  }

  void serve(HttpExchange ex) throws Exception {
    ex.getResponseHeaders().add("X-Marathon-Leader", sim.options.scheme() + "://" + lifetime.hostPort());
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    if (path.equals("/ping")) {
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      send(ex, 200, "pong".getBytes(UTF_8));
      return;
    }
    if (path.startsWith("/v2/") && !authorized(ex)) {
      if (sim.options.tokenCheck().isPresent()) {
        // DC/OS Enterprise's answer to a missing, expired or revoked ACS token.
        ex.getResponseHeaders().set("WWW-Authenticate", "acsjwt");
        sendJson(ex, 401, message("Authentication token is missing, invalid or expired."));
      } else {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Mesosphere Marathon\"");
        sendJson(ex, 401, message("Invalid username or password."));
      }
      return;
    }
    if (path.equals("/v2/leader")) {
      if (method.equals("GET")) {
        sendJson(ex, 200, JSON.createObjectNode().put("leader", lifetime.hostPort()));
      } else if (method.equals("DELETE")) {
        lifetime.abdicate();
        sendJson(ex, 200, message("Leadership abdicated"));
        lifetime.exitAfterAbdication();
      } else {
        sendJson(ex, 405, message("Method not allowed"));
      }
    } else if (path.equals("/v2/info") && method.equals("GET")) {
      sendJson(ex, 200, info());
    } else if (path.equals("/v2/apps") || path.equals("/v2/apps/")) {
      if (method.equals("GET")) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("apps");
        state.apps().forEach(arr::add);
        sendJson(ex, 200, out);
      } else if (method.equals("POST")) {
        createApp(ex);
      } else {
        sendJson(ex, 405, message("Method not allowed"));
      }
    } else if (path.startsWith("/v2/apps/")) {
      String id = normalizeId(path.substring("/v2/apps".length()));
      if (method.equals("GET")) {
        Optional<ObjectNode> app = state.app(id);
        if (app.isEmpty()) {
          sendJson(ex, 404, message("App '" + id + "' does not exist"));
        } else {
          ObjectNode out = JSON.createObjectNode();
          out.set("app", app.get());
          sendJson(ex, 200, out);
        }
      } else if (method.equals("DELETE")) {
        deleteApp(ex, id);
      } else {
        sendJson(ex, 405, message("Method not allowed"));
      }
    } else {
      sendJson(ex, 404, message("Not found"));
    }
  }

  private boolean authorized(HttpExchange ex) {
    if (sim.options.basicAuth().isEmpty() && sim.options.tokenCheck().isEmpty()) {
      return true;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null) {
      return false;
    }
    if (sim.options.tokenCheck().isPresent() && header.startsWith("token=")) {
      return sim.options.tokenCheck().get().test(header.substring("token=".length()));
    }
    return sim.options.basicAuth().isPresent() && header.equals("Basic "
        + Base64.getEncoder().encodeToString(sim.options.basicAuth().get().getBytes(UTF_8)));
  }

  private ObjectNode info() {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", "marathon");
    n.put("version", VERSION);
    n.put("buildref", "simulator");
    n.put("elected", lifetime.isElected());
    n.put("leader", lifetime.hostPort());
    n.put("frameworkId", state.frameworkId());
    ObjectNode mc = n.putObject("marathon_config");
    mc.put("hostname", "127.0.0.1");
    mc.put("master", "zk://" + sim.zkConnect + "/mesos");
    ObjectNode zc = n.putObject("zookeeper_config");
    zc.put("zk", "zk://" + (sim.options.zkDigest().isPresent() ? "xxxxxxxx:xxxxxxxx@" : "") + sim.zkConnect
        + sim.zkPath);
    zc.put("zk_timeout", 10000);
    zc.put("zk_session_timeout", 15000);
    zc.put("zk_max_versions", MarathonState.MAX_VERSIONS);
    ObjectNode hc = n.putObject("http_config");
    hc.put("http_port", lifetime.port());
    hc.put("https_port", 8443);
    return n;
  }

  private void createApp(HttpExchange ex) throws Exception {
    JsonNode body;
    try {
      body = JSON.readTree(ex.getRequestBody());
    } catch (IOException e) {
      sendJson(ex, 400, message("Invalid JSON"));
      return;
    }
    if (body == null || !body.isObject() || !body.path("id").isTextual() || body.path("id").asText().isBlank()) {
      sendJson(ex, 422, message("Object is not valid: id is required"));
      return;
    }
    ObjectNode app = (ObjectNode) body;
    String id = normalizeId(app.path("id").asText());
    app.put("id", id);
    if (!app.has("instances")) {
      app.put("instances", 1);
    }
    if (!app.has("cpus")) {
      app.put("cpus", 1.0);
    }
    if (!app.has("mem")) {
      app.put("mem", 128.0);
    }
    Optional<Boolean> created = lifetime.whileLeading(() -> state.createApp(id, app));
    if (created.isEmpty()) {
      sendJson(ex, 503, message("Could not determine the current leader"));
    } else if (!created.get()) {
      sendJson(ex, 409, message("An app with id [" + id + "] already exists."));
    } else {
      ex.getResponseHeaders().set("Location", "http://" + lifetime.hostPort() + "/v2/apps" + id);
      sendJson(ex, 201, app);
    }
  }

  private void deleteApp(HttpExchange ex, String id) throws Exception {
    Optional<Optional<String>> deleted = lifetime.whileLeading(() -> state.deleteApp(id));
    if (deleted.isEmpty()) {
      sendJson(ex, 503, message("Could not determine the current leader"));
    } else if (deleted.get().isEmpty()) {
      sendJson(ex, 404, message("App '" + id + "' does not exist"));
    } else {
      sendJson(ex, 200, JSON.createObjectNode().put("version", deleted.get().get())
          .put("deploymentId", UUID.randomUUID().toString()));
    }
  }

  private static String normalizeId(String id) {
    String s = id.trim();
    while (s.endsWith("/") && s.length() > 1) {
      s = s.substring(0, s.length() - 1);
    }
    return s.startsWith("/") ? s : "/" + s;
  }
}
