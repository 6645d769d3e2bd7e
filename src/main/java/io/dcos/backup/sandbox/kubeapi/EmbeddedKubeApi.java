package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API for the sandbox and the tests: Fabric8's mock API server in CRUD mode for storage
 * and watches, behind a front that answers discovery, OpenAPI, Table, admission (schema + CEL) and plain HTTP
 * watches the way kubectl expects a real server to. Plain HTTP on 127.0.0.1, no authentication.
 */
public final class EmbeddedKubeApi implements AutoCloseable {
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private final Vertx vertx;
  private final HttpServer server;
  private final KubeApiDispatcher dispatcher;
  private final URI url;
  private final List<KubernetesClient> clients = new ArrayList<>();
  private final List<Consumer<RecordedRequest>> requestListeners = new CopyOnWriteArrayList<>();

  private EmbeddedKubeApi(Vertx vertx, HttpServer server, KubeApiDispatcher dispatcher, URI url) {
    this.vertx = vertx;
    this.server = server;
    this.dispatcher = dispatcher;
    this.url = url;
  }

  /**
   * Starts the API on 127.0.0.1 (a random port unless {@code port > 0}) and creates the given CRDs in it, so their
   * kinds are served with status subresource, generation, printer-column and validation semantics. Namespace
   * "default" exists from the start.
   */
  public static EmbeddedKubeApi start(List<CustomResourceDefinition> crds, int port) throws IOException {
    return start(crds, port, Discovery.DEFAULT_KUBERNETES_VERSION);
  }

  /**
   * As {@link #start(List, int)}, reporting {@code kubernetesVersion} (e.g. "1.27") from /version. The kubectl on
   * PATH here is a dispatcher that runs the kubectl binary matching the server's minor version, so this chooses
   * which kubectl end-to-end tests exercise.
   */
  public static EmbeddedKubeApi start(List<CustomResourceDefinition> crds, int port, String kubernetesVersion)
      throws IOException {
    if (!kubernetesVersion.matches("\\d+\\.\\d+(\\.\\d+)?")) {
      throw new IllegalArgumentException("kubernetesVersion must look like 1.32, not " + kubernetesVersion);
    }
    KubeApiDispatcher dispatcher = new KubeApiDispatcher(Clock.systemUTC(), kubernetesVersion);
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setHost("127.0.0.1")
        .setPort(Math.max(port, 0))
        // The JDK HTTP client probes h2c upgrades; HTTP/1.1 only keeps framing predictable.
        .setHttp2ClearTextEnabled(false)
        .setWebSocketSubProtocols(List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
            "v1.channel.k8s.io")));
    EmbeddedKubeApi[] self = new EmbeddedKubeApi[1];
    server.requestHandler(request -> self[0].handle(request));
    int actualPort;
    try {
      actualPort = await(server.listen()).actualPort();
    } catch (IOException e) {
      await(vertx.close());
      throw e;
    }
    URI url = URI.create("http://127.0.0.1:" + actualPort);
    dispatcher.setServerAddress("127.0.0.1:" + actualPort);
    self[0] = new EmbeddedKubeApi(vertx, server, dispatcher, url);
    self[0].ensureNamespace("default");
    for (CustomResourceDefinition crd : crds) {
      self[0].createInternally(CRD_PATH, Serialization.asJson(crd));
    }
    return self[0];
  }

  /** Every CustomResourceDefinition in the *.yml / *.yaml files directly in {@code dir} (multi-document allowed). */
  public static List<CustomResourceDefinition> loadCrds(Path dir) {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted()
          .toList()) {
        String text = Files.readString(file);
        for (String document : text.split("(?m)^---\\s*$")) {
          if (document.isBlank()) {
            continue;
          }
          Object parsed = Serialization.unmarshal(document);
          if (parsed instanceof CustomResourceDefinition crd) {
            crds.add(crd);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return crds;
  }

  /**
   * A Fabric8 client for this server, namespace "default". Shared between callers and closed with the server;
   * when a user closed it (an operator closes its client on stop), the next call makes a fresh one.
   */
  public KubernetesClient client() {
    synchronized (clients) {
      if (!clients.isEmpty()) {
        KubernetesClient last = clients.get(clients.size() - 1);
        if (!last.getHttpClient().isClosed()) {
          return last;
        }
      }
      Config config = new ConfigBuilder(Config.empty())
          .withMasterUrl(url.toString())
          .withNamespace("default")
          .withHttp2Disable(true)
          .withRequestRetryBackoffLimit(0)
          .build();
      KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
      clients.add(client);
      return client;
    }
  }

  public URI url() {
    return url;
  }

  /**
   * Calls {@code listener} with every HTTP request the server receives (method, path with query, headers), before it
   * is answered — e.g. to check that deploy/rbac.yaml grants every request the operator makes.
   */
  public void onRequest(Consumer<RecordedRequest> listener) {
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

  /** Writes a kubeconfig whose current context talks to this server in {@code namespace}, creating it if needed. */
  public Path writeKubeconfig(Path file, String namespace) throws IOException {
    ensureNamespace(namespace);
    String kubeconfig = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: sandbox",
        "  cluster:",
        "    server: " + url,
        "contexts:",
        "- name: sandbox",
        "  context:",
        "    cluster: sandbox",
        "    user: sandbox",
        "    namespace: " + namespace,
        "current-context: sandbox",
        "preferences: {}",
        "users:",
        "- name: sandbox",
        "  user:",
        "    token: sandbox",
        "");
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, kubeconfig);
    return file;
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(KubernetesClient::close);
      clients.clear();
    }
    try {
      await(server.close());
    } catch (IOException e) {
      // Closing anyway.
    } finally {
      try {
        await(vertx.close());
      } catch (IOException e) {
        // Nothing left to release.
      }
    }
  }

  private void ensureNamespace(String namespace) {
    ObjectNode ns = Json.object();
    ns.put("apiVersion", "v1");
    ns.put("kind", "Namespace");
    ns.putObject("metadata").put("name", namespace);
    ns.putObject("spec").putArray("finalizers").add("kubernetes");
    ns.putObject("status").put("phase", "Active");
    createInternally("/api/v1/namespaces", Json.write(ns));
  }

  private void createInternally(String path, String json) {
    MockResponse response = dispatcher.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.POST, path,
        Headers.builder().add("Content-Type", "application/json").build(),
        new Buffer(json.getBytes(StandardCharsets.UTF_8))));
    if (response.code() >= 300 && response.code() != 409) {
      throw new IllegalStateException("Creating " + path + " failed: " + KubeApiDispatcher.body(response));
    }
  }

  // ---- HTTP front ----

  private void handle(HttpServerRequest request) {
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
          streamWatch(request, recorded, api);
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

  private static void send(HttpServerRequest request, MockResponse response) {
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
      send(request, new KubeApiDispatcher.StatusException(500, "InternalError",
          "Internal error occurred: " + e, null).toResponse());
    }
  }

  /**
   * kubectl watches over a long-lived chunked HTTP response, which the mock's front cannot stream (it only knows
   * WebSocket watches). The mock's own watch listener is reused: its WebSocket is this response.
   */
  private void streamWatch(HttpServerRequest request, RecordedRequest recorded, ApiRequest api) {
    ResourceCatalog catalog = dispatcher.catalog();
    Optional<ApiResource> resource = catalog.find(api.group, api.version, api.plural);
    MockResponse upgrade = dispatcher.store.handleGet(dispatcher.storeWatchPath(api));
    WebSocketListener listener = upgrade.getWebSocketListener();
    if (resource.isEmpty() || listener == null) {
      send(request, new KubeApiDispatcher.StatusException(404, "NotFound",
          "the server could not find the requested resource", null).toResponse());
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
        if (!object.path("apiVersion").asText(r.groupVersion()).equals(r.groupVersion())) {
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
              && !dispatcher.exists(r, deleted.path("metadata").path("namespace").asText(null),
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

  private static <T> T await(Future<T> future) throws IOException {
    CompletableFuture<T> result = new CompletableFuture<>();
    future.onComplete(r -> {
      if (r.succeeded()) {
        result.complete(r.result());
      } else {
        result.completeExceptionally(r.cause());
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(e.getCause() != null ? e.getCause() : e);
    }
  }
}
