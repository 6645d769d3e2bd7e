package io.dcos.backup.sandbox.kubeapi;

import static io.dcos.backup.sandbox.kubeapi.MockHttp.body;
import static io.dcos.backup.sandbox.kubeapi.MockHttp.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * GET of one object or a list from the store, as Table when asked, with field selectors the mock does not
 * understand and the Events stored through the other Events API.
 */
final class ObjectReads {
  private final KubernetesCrudDispatcher store;
  private final TableConverter tables;

  ObjectReads(KubernetesCrudDispatcher store, TableConverter tables) {
    this.store = store;
    this.tables = tables;
  }

  MockResponse list(RecordedRequest request, ApiRequest api, ApiResource r) {
    if (api.isWatch()) {
      // Only WebSocket watches get here (plain HTTP watches are streamed by the server); the mock serves them.
      return store.handleGet(storeWatchPath(api));
    }
    FieldSelector selector = FieldSelector.parse(api.query.get("fieldSelector"));
    JsonNode stored = Json.parse(body(store.handleGet(api.uriWithout("fieldSelector", "timeout", "limit",
        "resourceVersion", "timeoutSeconds", "allowWatchBookmarks", "continue"))));
    List<JsonNode> candidates = new ArrayList<>();
    // A core path carries no group attribute, so the mock's match also returns same-named kinds of other groups.
    stored.path("items").forEach(item -> {
      if (isOf(r, item)) {
        candidates.add(item);
      }
    });
    candidates.addAll(eventsFromTheOtherApi(r, api.namespace, candidates));
    List<JsonNode> items = new ArrayList<>();
    for (JsonNode item : candidates) {
      if (selector.matches(item)) {
        items.add(item);
      }
    }
    String resourceVersion = stored.path("metadata").path("resourceVersion").asText(null);
    if (TableConverter.wantsTable(request.getHeader("Accept"))) {
      return json(200, tables.table(r, items, resourceVersion, true));
    }
    ObjectNode list = Json.object();
    list.put("apiVersion", r.groupVersion());
    list.put("kind", r.kind() + "List");
    ObjectNode metadata = list.putObject("metadata");
    if (resourceVersion != null) {
      metadata.put("resourceVersion", resourceVersion);
    }
    ArrayNode array = list.putArray("items");
    items.forEach(array::add);
    return json(200, list);
  }

  private List<JsonNode> eventsFromTheOtherApi(ApiResource r, String namespace, List<JsonNode> nativeEvents) {
    boolean core = EventBridge.isCoreEvents(r);
    if (!core && !EventBridge.isEventsApi(r)) {
      return List.of();
    }
    String ns = namespace == null ? "" : "/namespaces/" + namespace;
    String otherPath = core ? "/apis/events.k8s.io/v1" + ns + "/events" : "/api/v1" + ns + "/events";
    Set<String> names = new HashSet<>();
    nativeEvents.forEach(e -> names.add(e.path("metadata").path("namespace").asText() + "/"
        + e.path("metadata").path("name").asText()));
    List<JsonNode> converted = new ArrayList<>();
    for (JsonNode other : Json.parse(body(store.handleGet(otherPath))).path("items")) {
      String key = other.path("metadata").path("namespace").asText() + "/" + other.path("metadata").path("name")
          .asText();
      String expected = core ? "events.k8s.io/v1" : "v1";
      if (other.path("apiVersion").asText().equals(expected) && names.add(key)) {
        converted.add(core ? EventBridge.toCore(other) : EventBridge.toEventsApi(other));
      }
    }
    return converted;
  }

  /** The path the mock's watch listens on: it understands metadata.name/namespace selectors only. */
  String storeWatchPath(ApiRequest api) {
    String selector = api.query.get("fieldSelector");
    if (selector != null && !selector.matches("^metadata\\.(name|namespace)==?[^,]*$")) {
      return api.uriWithout("fieldSelector");
    }
    return api.uriWithout();
  }

  MockResponse get(RecordedRequest request, ApiRequest api, ApiResource r) {
    JsonNode current = current(api, r);
    if (TableConverter.wantsTable(request.getHeader("Accept"))) {
      return json(200, tables.table(r, List.of(current), current.path("metadata").path("resourceVersion").asText(),
          true));
    }
    return json(200, current);
  }

  /** Whether an object of that kind, namespace and name is stored now. */
  boolean exists(ApiResource r, String namespace, String name) {
    return find(r, namespace, name).isPresent();
  }

  /** The object {@code api} names; NotFound when it is not stored. */
  JsonNode current(ApiRequest api, ApiResource r) {
    return find(r, api.namespace, api.name).orElseThrow(() -> StatusException.notFound(r, api.name));
  }

  Optional<JsonNode> find(ApiResource r, String namespace, String name) {
    MockResponse response = store.handleGet(r.objectPath(namespace, name));
    if (response.code() != 200) {
      return Optional.empty();
    }
    JsonNode found = Json.parse(body(response));
    // Same cross-group match as in lists: a core Event path may find an events.k8s.io Event.
    return isOf(r, found) ? Optional.of(found) : Optional.empty();
  }

  /** Whether a stored object is of {@code r}'s group and version (one without apiVersion is taken to be). */
  static boolean isOf(ApiResource r, JsonNode object) {
    return object.path("apiVersion").asText(r.groupVersion()).equals(r.groupVersion());
  }
}
