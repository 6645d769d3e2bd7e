package io.dcos.backup.sandbox.kubeapi;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The HTTP server's handler: Vert.x requests to the dispatcher and back, WebSocket upgrades to the mock's watches,
 * plain HTTP watches to {@link HttpWatch}; every request is shown to the listeners first.
 */
final class KubeApiHttpFront {
  private final KubeApiDispatcher dispatcher;
  private final HttpWatch watch;
  private final List<Consumer<RecordedRequest>> requestListeners = new CopyOnWriteArrayList<>();

  KubeApiHttpFront(Vertx vertx, KubeApiDispatcher dispatcher) {
    this.dispatcher = dispatcher;
    this.watch = new HttpWatch(vertx, dispatcher);
  }

  /** See {@link EmbeddedKubeApi#onRequest}. */
  void onRequest(Consumer<RecordedRequest> listener) {
    requestListeners.add(listener);
  }

  private void notifyListeners(RecordedRequest request) {
    for (Consumer<RecordedRequest> listener : requestListeners) {
      try {
        listener.accept(request);
      } catch (RuntimeException e) {
        // A listener's failure must not fail the request.
      }
    }
  }

  void handle(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
      // The upgrade must happen before the request is read (as the mock's own front does).
      RecordedRequest recorded = record(request, null);
      notifyListeners(recorded);
      MockResponse response = dispatcher.dispatch(recorded);
      if (response.getWebSocketListener() != null) {
        request.toWebSocket()
            .onSuccess(new ServerWebSocketHandler(recorded, response))
            .onFailure(e -> fail(request, e));
      } else {
        send(request, response);
      }
      return;
    }
    request.body().onFailure(e -> fail(request, e)).onSuccess(body -> {
      RecordedRequest recorded = record(request, body);
      notifyListeners(recorded);
      try {
        ApiRequest api = ApiRequest.parse(recorded.getPath());
        if (recorded.method() == HttpMethod.GET && api.isResource() && api.isWatch()) {
          watch.stream(request, recorded, api);
        } else {
          send(request, dispatcher.dispatch(recorded));
        }
      } catch (RuntimeException e) {
        fail(request, e);
      }
    });
  }

  private static RecordedRequest record(HttpServerRequest request, io.vertx.core.buffer.Buffer body) {
    return new RecordedRequest(request.version().alpnName().toUpperCase(Locale.ROOT),
        HttpMethod.fromVertx(request.method()), request.uri(), Headers.builder().addAll(request.headers()).build(),
        new Buffer(body == null ? null : body.getBytes()));
  }

  static void send(HttpServerRequest request, MockResponse response) {
    HttpServerResponse out = request.response();
    out.setStatusCode(response.code());
    response.getHeaders().toMultimap().forEach((k, vs) -> out.headers().add(k, vs));
    byte[] body = response.getBody() == null ? null : response.getBody().getBytes();
    if (body != null && body.length > 0) {
      out.end(io.vertx.core.buffer.Buffer.buffer(body));
    } else {
      out.end();
    }
  }

  private static void fail(HttpServerRequest request, Throwable e) {
    if (!request.response().headWritten()) {
      send(request, new StatusException(500, "InternalError", "Internal error occurred: " + e, null).toResponse());
    }
  }
}
