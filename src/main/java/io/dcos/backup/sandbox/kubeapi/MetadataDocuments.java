package io.dcos.backup.sandbox.kubeapi;

import static io.dcos.backup.sandbox.kubeapi.MockHttp.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.Optional;
import java.util.function.Supplier;

/** The documents about the API rather than objects in it: the root paths, /version, discovery and OpenAPI. */
final class MetadataDocuments {
  private final Supplier<ResourceCatalog> catalog;
  private final String kubernetesVersion;
  private volatile String serverAddress = "127.0.0.1";

  MetadataDocuments(Supplier<ResourceCatalog> catalog, String kubernetesVersion) {
    this.catalog = catalog;
    this.kubernetesVersion = kubernetesVersion;
  }

  /** The address discovery tells clients to use, once the server listens. */
  void setServerAddress(String hostPort) {
    this.serverAddress = hostPort;
  }

  /** The document at {@code api}'s path, if it names one. */
  Optional<MockResponse> find(ApiRequest api) {
    String path = api.path.endsWith("/") && api.path.length() > 1 ? api.path.substring(0, api.path.length() - 1)
        : api.path;
    String[] s = path.split("/");
    switch (path) {
      case "":
      case "/":
        return Optional.of(json(200, rootPaths()));
      case "/version":
        return Optional.of(json(200, Discovery.version(kubernetesVersion)));
      case "/api":
        return Optional.of(json(200, Discovery.coreVersions(serverAddress)));
      case "/apis":
        return Optional.of(json(200, Discovery.groupList(catalog.get())));
      case "/openapi/v2":
        return Optional.of(new MockResponse().setResponseCode(200).setHeader("Content-Type", OpenApi.V2_PROTOBUF)
            .setBody(OpenApi.v2()));
      case "/openapi/v3":
        return Optional.of(json(200, OpenApi.v3Index(catalog.get())));
      default:
        break;
    }
    if (s.length == 3 && s[1].equals("api")) {
      return Discovery.resourceList(catalog.get(), "", s[2]).map(d -> json(200, d));
    }
    if (s.length == 3 && s[1].equals("apis")) {
      return Discovery.group(catalog.get(), s[2]).map(d -> json(200, d));
    }
    if (s.length == 4 && s[1].equals("apis")) {
      return Discovery.resourceList(catalog.get(), s[2], s[3]).map(d -> json(200, d));
    }
    if (s.length == 6 && path.startsWith("/openapi/v3/apis/")) {
      return OpenApi.v3GroupVersion(catalog.get(), s[4], s[5]).map(d -> json(200, d));
    }
    return Optional.empty();
  }

  private ObjectNode rootPaths() {
    ObjectNode root = Json.object();
    ArrayNode paths = root.putArray("paths");
    paths.add("/api").add("/api/v1").add("/apis").add("/openapi/v2").add("/openapi/v3").add("/version");
    catalog.get().groupVersions().forEach((g, vs) -> {
      if (!g.isEmpty()) {
        paths.add("/apis/" + g);
        vs.forEach(v -> paths.add("/apis/" + g + "/" + v));
      }
    });
    return root;
  }
}
