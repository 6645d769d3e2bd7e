package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Plain HTTP watches, as kubectl opens them: resumable from a resourceVersion, filtered, as Table when asked. */
final class HttpWatch {
  private final Vertx vertx;
  private final KubeApiDispatcher dispatcher;

  HttpWatch(Vertx vertx, KubeApiDispatcher dispatcher) {
    this.vertx = vertx;
    this.dispatcher = dispatcher;
  }

  /**
   * kubectl watches over a long-lived chunked HTTP response, which the mock's front cannot stream (it only knows
   * WebSocket watches). The mock's own watch listener is reused: its WebSocket is this response.
   */
  void stream(HttpServerRequest request, RecordedRequest recorded, ApiRequest api) {
    Optional<ApiResource> resource = dispatcher.catalog().find(api.group, api.version, api.plural);
    MockResponse upgrade = dispatcher.store.handleGet(dispatcher.reads().storeWatchPath(api));
    WebSocketListener listener = upgrade.getWebSocketListener();
    if (resource.isEmpty() || listener == null) {
      KubeApiHttpFront.send(request, StatusException.noSuchResource().toResponse());
      return;
    }
    ApiResource r = resource.get();
    FieldSelector selector = FieldSelector.parse(api.query.get("fieldSelector"));
    long since = parseLong(api.query.get("resourceVersion"));
    boolean table = TableConverter.wantsTable(recorded.getHeader("Accept"));
    HttpServerResponse out = request.response();
    out.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
    out.writeHead();
    AtomicBoolean open = new AtomicBoolean(true);
    AtomicBoolean firstEvent = new AtomicBoolean(true);
    WebSocket stream = new WebSocket() {
      @Override
      public RecordedRequest request() {
        return recorded;
      }

      @Override
      public boolean send(String text) {
        if (!open.get()) {
          return false;
        }
        ObjectNode event = (ObjectNode) Json.parse(text);
        JsonNode object = event.path("object");
        // The mock's core-group watch also matches same-named kinds of other groups (events.k8s.io Events).
        if (!ObjectReads.isOf(r, object)) {
          return true;
        }
        long objectVersion = parseLong(object.path("metadata").path("resourceVersion").asText(null));
        // On open the mock replays every object as ADDED; a client resuming from a version has seen those.
        if ("ADDED".equals(event.path("type").asText()) && since > 0 && objectVersion <= since) {
          return true;
        }
        if (!selector.matches(object)) {
          return true;
        }
        if (table) {
          event.set("object", dispatcher.tables().table(r, List.of(object),
              object.path("metadata").path("resourceVersion").asText(), firstEvent.getAndSet(false)));
        }
        vertx.runOnContext(v -> {
          if (open.get()) {
            out.write(Json.write(event) + "\n");
          }
        });
        return true;
      }

      @Override
      public boolean send(byte[] bytes) {
        return send(new String(bytes, StandardCharsets.UTF_8));
      }

      @Override
      public boolean close(int code, String reason) {
        if (open.compareAndSet(true, false)) {
          vertx.runOnContext(v -> out.end());
        }
        return true;
      }
    };
    Runnable stop = () -> {
      stream.close(1000, "watch ended");
      listener.onClosed(stream, 1000, "watch ended");
    };
    out.closeHandler(v -> stop.run());
    long timeoutSeconds = parseLong(api.query.get("timeoutSeconds"));
    if (timeoutSeconds > 0) {
      vertx.setTimer(TimeUnit.SECONDS.toMillis(timeoutSeconds), id -> stop.run());
    }
    dispatcher.withoutWrites(() -> {
      listener.onOpen(stream, upgrade);
      if (since > 0) {
        // Resumed from a version: what was deleted since then is news too (the mock replays only what exists).
        for (ObjectNode deleted : dispatcher.deletedSince(since)) {
          if (deleted.path("apiVersion").asText().equals(r.groupVersion())
              && deleted.path("kind").asText().equals(r.kind())
              && (api.namespace == null || api.namespace.equals(deleted.path("metadata").path("namespace").asText()))
              // Deleted and created again: the watch's replay shows the new one; the tombstone would bury it.
              && !dispatcher.reads().exists(r, deleted.path("metadata").path("namespace").asText(null),
                  deleted.path("metadata").path("name").asText())) {
            ObjectNode event = Json.object();
            event.put("type", "DELETED");
            event.set("object", deleted);
            stream.send(Json.write(event));
          }
        }
      }
    });
  }

  private static long parseLong(String value) {
    try {
      return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
