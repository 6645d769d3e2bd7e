package io.dcos.backup.sandbox.kubeapi;

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
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  private final KubeApiHttpFront front;
  private final URI url;
  private final List<KubernetesClient> clients = new ArrayList<>();

  private EmbeddedKubeApi(Vertx vertx, HttpServer server, KubeApiDispatcher dispatcher, KubeApiHttpFront front,
      URI url) {
    this.vertx = vertx;
    this.server = server;
    this.dispatcher = dispatcher;
    this.front = front;
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
    KubeApiHttpFront front = new KubeApiHttpFront(vertx, dispatcher);
    server.requestHandler(front::handle);
    int actualPort;
    try {
      actualPort = await(server.listen()).actualPort();
    } catch (IOException e) {
      await(vertx.close());
      throw e;
    }
    URI url = URI.create("http://127.0.0.1:" + actualPort);
    dispatcher.setServerAddress("127.0.0.1:" + actualPort);
    EmbeddedKubeApi api = new EmbeddedKubeApi(vertx, server, dispatcher, front, url);
    api.ensureNamespace("default");
    for (CustomResourceDefinition crd : crds) {
      api.createInternally(CRD_PATH, Serialization.asJson(crd));
    }
    return api;
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
    front.onRequest(listener);
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
      throw new IllegalStateException("Creating " + path + " failed: " + MockHttp.body(response));
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
