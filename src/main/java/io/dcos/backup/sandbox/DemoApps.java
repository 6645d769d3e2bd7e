package io.dcos.backup.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The few Marathon app calls the demo makes (POST/GET/DELETE /v2/apps), as a Marathon user would. */
final class DemoApps {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI marathon;

  DemoApps(URI marathon) {
    this.marathon = marathon;
  }

  void create(String id, String cmd) throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("cmd", cmd)
        .put("cpus", 0.1).put("mem", 32).put("instances", 1));
    send(HttpRequest.newBuilder(marathon.resolve("/v2/apps"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), 201);
  }

  void delete(String id) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(marathon.resolve("/v2/apps" + id)).DELETE(), 200);
  }

  List<String> ids() throws IOException, InterruptedException {
    JsonNode apps = JSON.readTree(send(HttpRequest.newBuilder(marathon.resolve("/v2/apps")).GET(), 200)).path("apps");
    List<String> ids = new ArrayList<>();
    apps.forEach(app -> ids.add(app.path("id").asText()));
    return ids;
  }

  private String send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != expected && !(expected == 201 && response.statusCode() == 200)) {
      throw new IOException(request.build().method() + " " + request.build().uri() + " answered "
          + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }
}
