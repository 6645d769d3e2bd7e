package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API server's front: answers discovery, OpenAPI, Table and admission itself and keeps objects in Fabric8's
 * {@link KubernetesCrudDispatcher} (the mock API server's CRUD mode), which also feeds watches.
 */
final class KubeApiDispatcher extends Dispatcher {
  private static final String JSON = "application/json";
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private static final java.util.regex.Pattern DNS_SUBDOMAIN =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  // Fabric8's store, handing out random UIDs as the API server does (the mock counts them from 1 in every JVM).
  final KubernetesCrudDispatcher store = new CrudStore();
  private final CrdAdmission admission = new CrdAdmission();
  private final TableConverter tables;
  private final Clock clock;
  // Admission reads the current object, then writes: one writer at a time keeps that consistent.
  private final Object writes = new Object();
  private volatile String serverAddress = "127.0.0.1";

  private final String kubernetesVersion;

  KubeApiDispatcher(Clock clock, String kubernetesVersion) {
    this.clock = clock;
    this.kubernetesVersion = kubernetesVersion;
    this.tables = new TableConverter(clock);
  }

  /** Runs {@code action} while no write can happen (e.g. a watch opening and catching up, atomically). */
  void withoutWrites(Runnable action) {
    synchronized (writes) {
      action.run();
    }
  }

  /** Objects deleted after resourceVersion {@code since} (see {@link CrudStore}). */
  List<ObjectNode> deletedSince(long since) {
    return ((CrudStore) store).deletedSince(since);
  }

  void setServerAddress(String hostPort) {
    this.serverAddress = hostPort;
  }

  /** Thrown to answer with a Kubernetes Status. */
  static final class StatusException extends RuntimeException {
    final int code;
    final ObjectNode status;

    StatusException(int code, String reason, String message, ObjectNode details) {
      super(message);
      this.code = code;
      this.status = Json.object();
      status.put("kind", "Status");
      status.put("apiVersion", "v1");
      status.putObject("metadata");
      status.put("status", "Failure");
      status.put("message", message);
      status.put("reason", reason);
      if (details != null) {
        status.set("details", details);
      }
      status.put("code", code);
    }

    MockResponse toResponse() {
      return json(code, status);
    }
  }

  static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(Json.write(body));
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    try {
      return route(request);
    } catch (StatusException e) {
      return e.toResponse();
    } catch (IllegalArgumentException e) {
      return new StatusException(400, "BadRequest", e.getMessage(), null).toResponse();
    }
  }

  private record CachedCatalog(String crdsJson, ResourceCatalog catalog) {
  }

  private volatile CachedCatalog cachedCatalog = new CachedCatalog(null, null);

  /** The catalog for the CRDs stored now; rebuilt only when they changed (every request asks). */
  ResourceCatalog catalog() {
    JsonNode items = Json.parse(body(store.handleGet(CRD_PATH))).path("items");
    String crdsJson = items.toString();
    CachedCatalog cached = cachedCatalog;
    if (crdsJson.equals(cached.crdsJson())) {
      return cached.catalog();
    }
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (JsonNode item : items) {
      crds.add(Serialization.unmarshal(item.toString(), CustomResourceDefinition.class));
    }
    ResourceCatalog catalog = ResourceCatalog.of(crds);
    cachedCatalog = new CachedCatalog(crdsJson, catalog);
    return catalog;
  }

  private MockResponse route(RecordedRequest request) {
    ApiRequest api = ApiRequest.parse(request.getPath());
    HttpMethod method = request.method();
    if (method == HttpMethod.GET && !api.isResource()) {
      Optional<MockResponse> meta = metadataDocument(api);
      if (meta.isPresent()) {
        return meta.get();
      }
    }
    if (!api.isResource()) {
      return new StatusException(404, "NotFound", "the server could not find the requested resource", null)
          .toResponse();
    }
    ResourceCatalog catalog = catalog();
    Optional<ApiResource> resource = catalog.find(api.group, api.version, api.plural);
    if (resource.isEmpty()) {
      if (isCustomGroup(api.group)) {
        // No CRD serves it (e.g. the operator is not installed): a real server answers 404, it never stores it.
        return new StatusException(404, "NotFound", "the server could not find the requested resource", null)
            .toResponse();
      }
      // An unlisted built-in kind: leave it to the mock, as before.
      return store.dispatch(request);
    }
    ApiResource r = resource.get();
    if (!r.namespaced() && api.namespace != null) {
      throw notFound(r, api.name);
    }
    switch (method) {
      case GET:
        return api.name == null ? list(request, api, r) : get(request, api, r);
      case POST:
        synchronized (writes) {
          return create(request, api, r);
        }
      case PUT:
        synchronized (writes) {
          return update(request, api, r, parseBody(request));
        }
      case PATCH:
        synchronized (writes) {
          return patch(request, api, r);
        }
      case DELETE:
        synchronized (writes) {
          return delete(request, api, r);
        }
      default:
        return store.dispatch(request);
    }
  }

  /** A group only a CRD can serve: dotted and not one of Kubernetes' own (*.k8s.io, or a dotless core group). */
  static boolean isCustomGroup(String group) {
    return group != null && group.contains(".") && !group.endsWith(".k8s.io");
  }

  private Optional<MockResponse> metadataDocument(ApiRequest api) {
    String path = api.path.endsWith("/") && api.path.length() > 1 ? api.path.substring(0, api.path.length() - 1)
        : api.path;
    String[] s = path.split("/");
    ResourceCatalog catalog;
    switch (path) {
      case "":
      case "/": {
        ObjectNode root = Json.object();
        ArrayNode paths = root.putArray("paths");
        paths.add("/api").add("/api/v1").add("/apis").add("/openapi/v2").add("/openapi/v3").add("/version");
        catalog().groupVersions().forEach((g, vs) -> {
          if (!g.isEmpty()) {
            paths.add("/apis/" + g);
            vs.forEach(v -> paths.add("/apis/" + g + "/" + v));
          }
        });
        return Optional.of(json(200, root));
      }
      case "/version":
        return Optional.of(json(200, Discovery.version(kubernetesVersion)));
      case "/api":
        return Optional.of(json(200, Discovery.coreVersions(serverAddress)));
      case "/apis":
        return Optional.of(json(200, Discovery.groupList(catalog())));
      case "/openapi/v2":
        return Optional.of(new MockResponse().setResponseCode(200).setHeader("Content-Type", OpenApi.V2_PROTOBUF)
            .setBody(OpenApi.v2()));
      case "/openapi/v3":
        return Optional.of(json(200, OpenApi.v3Index(catalog())));
      default:
        break;
    }
    if (s.length == 3 && s[1].equals("api")) {
      return Discovery.resourceList(catalog(), "", s[2]).map(d -> json(200, d));
    }
    if (s.length == 3 && s[1].equals("apis")) {
      return Discovery.group(catalog(), s[2]).map(d -> json(200, d));
    }
    if (s.length == 4 && s[1].equals("apis")) {
      return Discovery.resourceList(catalog(), s[2], s[3]).map(d -> json(200, d));
    }
    if (s.length == 6 && path.startsWith("/openapi/v3/apis/")) {
      catalog = catalog();
      return OpenApi.v3GroupVersion(catalog, s[4], s[5]).map(d -> json(200, d));
    }
    return Optional.empty();
  }

  // ---- reads ----

  private MockResponse list(RecordedRequest request, ApiRequest api, ApiResource r) {
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
      if (item.path("apiVersion").asText(r.groupVersion()).equals(r.groupVersion())) {
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
    java.util.Set<String> names = new java.util.HashSet<>();
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

  private MockResponse get(RecordedRequest request, ApiRequest api, ApiResource r) {
    JsonNode current = current(api, r);
    if (TableConverter.wantsTable(request.getHeader("Accept"))) {
      return json(200, tables.table(r, List.of(current), current.path("metadata").path("resourceVersion").asText(),
          true));
    }
    return json(200, current);
  }

  /** Whether an object of that kind, namespace and name is stored now. */
  boolean exists(ApiResource r, String namespace, String name) {
    MockResponse response = store.handleGet(objectPath(r, namespace, name));
    // The same cross-group match as in findCurrent: a core Event path may find an events.k8s.io Event.
    return response.code() == 200
        && Json.parse(body(response)).path("apiVersion").asText(r.groupVersion()).equals(r.groupVersion());
  }

  private JsonNode current(ApiRequest api, ApiResource r) {
    return findCurrent(api, r).orElseThrow(() -> notFound(r, api.name));
  }

  private Optional<JsonNode> findCurrent(ApiRequest api, ApiResource r) {
    MockResponse response = store.handleGet(objectPath(r, api.namespace, api.name));
    if (response.code() != 200) {
      return Optional.empty();
    }
    JsonNode found = Json.parse(body(response));
    // Same cross-group match as in lists: a core Event path may find an events.k8s.io Event.
    if (!found.path("apiVersion").asText(r.groupVersion()).equals(r.groupVersion())) {
      return Optional.empty();
    }
    return Optional.of(found);
  }

  private static String objectPath(ApiResource r, String namespace, String name) {
    return collectionPath(r, namespace) + "/" + name;
  }

  private static String collectionPath(ApiResource r, String namespace) {
    String prefix = r.group().isEmpty() ? "/api/" + r.version() : "/apis/" + r.group() + "/" + r.version();
    return prefix + (r.namespaced() && namespace != null ? "/namespaces/" + namespace : "") + "/" + r.plural();
  }

  // ---- writes ----

  // Writes are serialized: a version check and the write it guards must not interleave with another write.
  private synchronized MockResponse create(RecordedRequest request, ApiRequest api, ApiResource r) {
    JsonNode body = parseBody(request);
    if (!body.isObject()) {
      throw new StatusException(400, "BadRequest", "the body of the request was not a JSON object", null);
    }
    ObjectNode object = (ObjectNode) body;
    ObjectNode metadata = object.has("metadata") && object.get("metadata").isObject()
        ? (ObjectNode) object.get("metadata") : object.putObject("metadata");
    if (r.namespaced() && api.namespace != null) {
      if (metadata.hasNonNull("namespace") && !metadata.get("namespace").asText().equals(api.namespace)) {
        throw new StatusException(400, "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request", null);
      }
      metadata.put("namespace", api.namespace);
    }
    if (!metadata.hasNonNull("name") && metadata.hasNonNull("generateName")) {
      metadata.put("name", metadata.get("generateName").asText() + randomSuffix());
    }
    String name = metadata.path("name").asText("");
    if (name.isEmpty()) {
      throw invalid(r, name, List.of(new CrdAdmission.FieldError("metadata.name", "FieldValueRequired",
          "Required value: name or generateName is required")));
    }
    if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
      throw invalid(r, name, List.of(new CrdAdmission.FieldError("metadata.name", "FieldValueInvalid",
          "Invalid value: " + Json.write(name) + ": a lowercase RFC 1123 subdomain must consist of lower case "
              + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
              + "'example.com', regex used for validation is '" + DNS_SUBDOMAIN.pattern() + "')")));
    }
    if (findCurrent(withName(api, name), r).isPresent()) {
      throw new StatusException(409, "AlreadyExists", r.plural() + (r.group().isEmpty() ? "" : "." + r.group())
          + " \"" + name + "\" already exists", details(r, name));
    }
    object.put("apiVersion", r.groupVersion());
    object.put("kind", r.kind());
    if (r.group().isEmpty() && r.kind().equals("Secret") && !object.hasNonNull("type")) {
      // The API server's defaulting; older kubectl leaves it to the server.
      object.put("type", "Opaque");
    }
    if (r.statusSubresource()) {
      // With a status subresource the API server drops status on create.
      object.remove("status");
    }
    metadata.remove("resourceVersion");
    admit(request, api, r, object, null);
    MockResponse response = store.dispatch(rewrite(request, HttpMethod.POST, collectionPath(r, api.namespace),
        object, JSON));
    return withJsonContentType(response);
  }

  private synchronized MockResponse patch(RecordedRequest request, ApiRequest api, ApiResource r) {
    String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
    boolean serverSideApply = contentType.startsWith("application/apply-patch");
    Optional<JsonNode> found = findCurrent(api, r);
    if (found.isEmpty()) {
      if (serverSideApply && !api.isStatus()) {
        // Server-side apply creates what is missing; field ownership is not tracked (the mock has none).
        return create(rewrite(request, HttpMethod.POST, collectionPath(r, api.namespace), parseBody(request), JSON),
            ApiRequest.parse(collectionPath(r, api.namespace)), r);
      }
      throw notFound(r, api.name);
    }
    JsonNode current = found.get();
    JsonNode patched;
    if (contentType.startsWith("application/json-patch+json")) {
      patched = JsonPatch.apply(Json.parse(request.getUtf8Body()), current);
    } else if (contentType.startsWith("application/merge-patch+json") || serverSideApply
        || (contentType.startsWith("application/strategic-merge-patch+json") && !r.isCustom())) {
      // Strategic merge on built-ins is approximated by a merge patch: the kinds served here carry no merge-keyed
      // lists that kubectl or the operator patch.
      patched = MergePatch.apply(current, parseBody(request));
    } else {
      throw new StatusException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
          + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
          + "application/apply-patch+yaml", null);
    }
    return update(request, api, r, patched);
  }

  private synchronized MockResponse update(RecordedRequest request, ApiRequest api, ApiResource r, JsonNode body) {
    if (!body.isObject()) {
      throw new StatusException(400, "BadRequest", "the body of the request was not a JSON object", null);
    }
    JsonNode current = current(api, r);
    String expectedVersion = body.path("metadata").path("resourceVersion").asText("");
    if (!expectedVersion.isEmpty()
        && !expectedVersion.equals(current.path("metadata").path("resourceVersion").asText(""))) {
      // Optimistic concurrency as the API server does it (the mock ignores the version on /status writes).
      throw new StatusException(409, "Conflict", "Operation cannot be fulfilled on " + r.plural()
          + (r.group().isEmpty() ? "" : "." + r.group()) + " \"" + api.name
          + "\": the object has been modified; please apply your changes to the latest version and try again",
          details(r, api.name));
    }
    ObjectNode updated;
    if (api.isStatus()) {
      updated = current.deepCopy();
      if (body.has("status")) {
        updated.set("status", body.get("status"));
      } else {
        updated.remove("status");
      }
      ObjectNode metadata = (ObjectNode) updated.get("metadata");
      if (body.path("metadata").hasNonNull("resourceVersion")) {
        metadata.put("resourceVersion", body.path("metadata").get("resourceVersion").asText());
      }
    } else {
      updated = (ObjectNode) body.deepCopy();
      if (r.statusSubresource()) {
        if (current.has("status")) {
          updated.set("status", current.get("status"));
        } else {
          updated.remove("status");
        }
      }
    }
    updated.put("apiVersion", r.groupVersion());
    updated.put("kind", r.kind());
    ObjectNode metadata = updated.has("metadata") && updated.get("metadata").isObject()
        ? (ObjectNode) updated.get("metadata") : updated.putObject("metadata");
    if (metadata.hasNonNull("name") && !metadata.get("name").asText().equals(api.name)) {
      throw new StatusException(400, "BadRequest", "the name of the object (" + metadata.get("name").asText()
          + ") does not match the name on the URL (" + api.name + ")", null);
    }
    metadata.put("name", api.name);
    // Immutable metadata the API server keeps regardless of what the client sends.
    for (String kept : List.of("uid", "creationTimestamp", "deletionTimestamp", "namespace")) {
      if (current.path("metadata").has(kept)) {
        metadata.set(kept, current.path("metadata").get(kept));
      }
    }
    admit(request, api, r, updated, current);
    String path = objectPath(r, api.namespace, api.name) + (api.isStatus() ? "/status" : "");
    MockResponse response = store.dispatch(rewrite(request, HttpMethod.PUT, path, updated, JSON));
    if (response.code() == 200 && body(response).equals("{}")) {
      // The mock deleted it (deletion pending and the last finalizer removed); a real server returns the object.
      return json(200, updated);
    }
    if (response.code() == 409) {
      throw new StatusException(409, "Conflict", "Operation cannot be fulfilled on " + r.plural()
          + (r.group().isEmpty() ? "" : "." + r.group()) + " \"" + api.name
          + "\": the object has been modified; please apply your changes to the latest version and try again",
          details(r, api.name));
    }
    return withJsonContentType(response);
  }

  private synchronized MockResponse delete(RecordedRequest request, ApiRequest api, ApiResource r) {
    if (api.name == null) {
      return store.dispatch(request);
    }
    JsonNode current = current(api, r);
    JsonNode finalizers = current.path("metadata").path("finalizers");
    if (finalizers.isArray() && !finalizers.isEmpty()) {
      if (current.path("metadata").hasNonNull("deletionTimestamp")) {
        return json(200, current);
      }
      // The mock stamps LocalDateTime (no zone), which Go clients cannot parse: mark deletion here instead.
      ObjectNode marked = current.deepCopy();
      ((ObjectNode) marked.get("metadata"))
          .put("deletionTimestamp", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString())
          .put("deletionGracePeriodSeconds", 0);
      MockResponse response = store.dispatch(rewrite(request, HttpMethod.PUT, objectPath(r, api.namespace, api.name),
          marked, JSON));
      return withJsonContentType(response);
    }
    store.dispatch(rewrite(request, HttpMethod.DELETE, objectPath(r, api.namespace, api.name), null, JSON));
    ObjectNode status = Json.object();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    status.set("details", details(r, api.name).put("uid", current.path("metadata").path("uid").asText()));
    return json(200, status);
  }

  /** Schema pruning and validation plus CEL rules, for CRD kinds; a 422 (or 400 for strict unknown fields). */
  private void admit(RecordedRequest request, ApiRequest api, ApiResource r, ObjectNode object, JsonNode old) {
    if (!r.isCustom()) {
      return;
    }
    List<String> unknown = admission.prune(r.crdVersion(), object);
    String fieldValidation = api.query.getOrDefault("fieldValidation", "");
    if (!unknown.isEmpty() && "Strict".equalsIgnoreCase(fieldValidation)) {
      List<String> quoted = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
      throw new StatusException(400, "BadRequest", r.kind() + " in version \"" + r.version()
          + "\" cannot be handled as a " + r.kind() + ": strict decoding error: " + String.join(", ", quoted), null);
    }
    List<CrdAdmission.FieldError> errors = admission.validate(r.crdVersion(), object, old);
    if (!errors.isEmpty()) {
      throw invalid(r, object.path("metadata").path("name").asText(), errors);
    }
  }

  private static StatusException invalid(ApiResource r, String name, List<CrdAdmission.FieldError> errors) {
    String rendered = errors.size() == 1 ? errors.get(0).render()
        : "[" + String.join(", ", errors.stream().map(CrdAdmission.FieldError::render).toList()) + "]";
    // Invalid names the kind (kubectl prints 'The Backup "x" is invalid'); NotFound names the resource.
    ObjectNode details = details(r, name).put("kind", r.kind());
    ArrayNode causes = details.putArray("causes");
    for (CrdAdmission.FieldError e : errors) {
      causes.addObject().put("reason", e.reason()).put("message", e.message()).put("field", e.field());
    }
    return new StatusException(422, "Invalid", r.qualifiedKind() + " \"" + name + "\" is invalid: " + rendered,
        details);
  }

  private static StatusException notFound(ApiResource r, String name) {
    return new StatusException(404, "NotFound", r.plural() + (r.group().isEmpty() ? "" : "." + r.group()) + " \""
        + name + "\" not found", details(r, name));
  }

  private static ObjectNode details(ApiResource r, String name) {
    ObjectNode details = Json.object();
    details.put("name", name);
    if (!r.group().isEmpty()) {
      details.put("group", r.group());
    }
    details.put("kind", r.plural());
    return details;
  }

  private static ApiRequest withName(ApiRequest api, String name) {
    String base = api.path.endsWith("/") ? api.path.substring(0, api.path.length() - 1) : api.path;
    return ApiRequest.parse(base + "/" + name);
  }

  private static JsonNode parseBody(RecordedRequest request) {
    String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
    if (ProtobufBodies.isProtobuf(contentType)) {
      return ProtobufBodies.toJson(request.getBody() == null ? null : request.getBody().getBytes());
    }
    String text = request.getUtf8Body();
    if (contentType.contains("yaml")) {
      return Json.MAPPER.valueToTree(Serialization.unmarshal(text, Object.class));
    }
    return Json.parse(text);
  }

  private static RecordedRequest rewrite(RecordedRequest original, HttpMethod method, String path, JsonNode body,
      String contentType) {
    Headers.Builder headers = Headers.builder();
    original.getHeaders().toMultimap().forEach((k, vs) -> {
      if (!k.equalsIgnoreCase("Content-Type") && !k.equalsIgnoreCase("Content-Length")) {
        vs.forEach(v -> headers.add(k, v));
      }
    });
    headers.add("Content-Type", contentType);
    byte[] bytes = body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8);
    return new RecordedRequest(original.getHttpVersion(), method, path, headers.build(), new Buffer(bytes));
  }

  private static MockResponse withJsonContentType(MockResponse response) {
    if (response.code() == 202) {
      // The mock answers PATCH with 202; a real server with 200.
      response.setResponseCode(200);
    }
    return response.setHeader("Content-Type", JSON);
  }

  static String body(MockResponse response) {
    if (response.getBody() == null) {
      return "{}";
    }
    byte[] bytes = response.getBody().getBytes();
    return bytes == null || bytes.length == 0 ? "{}" : new String(bytes, StandardCharsets.UTF_8);
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 5; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  TableConverter tables() {
    return tables;
  }
}
