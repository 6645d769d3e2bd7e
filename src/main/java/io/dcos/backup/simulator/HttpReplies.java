package io.dcos.backup.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/** How a simulated Marathon answers: JSON bodies, and Marathon's {@code {"message": ...}} for errors. */
final class HttpReplies {
  static final ObjectMapper JSON = new ObjectMapper();

  private HttpReplies() {}

  static ObjectNode message(String m) {
    return JSON.createObjectNode().put("message", m);
  }

  static void sendJson(HttpExchange ex, int code, JsonNode body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    send(ex, code, JSON.writeValueAsBytes(body));
  }

  static void send(HttpExchange ex, int code, byte[] body) throws IOException {
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      ex.getResponseBody().write(body);
    }
  }
}
