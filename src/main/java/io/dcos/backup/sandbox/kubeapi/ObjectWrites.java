package io.dcos.backup.sandbox.kubeapi;

import static io.dcos.backup.sandbox.kubeapi.MockHttp.body;
import static io.dcos.backup.sandbox.kubeapi.MockHttp.json;
import static io.dcos.backup.sandbox.kubeapi.MockHttp.parseBody;
import static io.dcos.backup.sandbox.kubeapi.MockHttp.rewrite;
import static io.dcos.backup.sandbox.kubeapi.MockHttp.withJsonContentType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * POST, PUT, PATCH and DELETE of one object as the API server does them: names, optimistic concurrency, the status
 * subresource, immutable metadata, admission ({@link CrdAdmission}) and finalizers, then the store.
 */
final class ObjectWrites {
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final KubernetesCrudDispatcher store;
  private final ObjectReads reads;
  private final CrdAdmission admission = new CrdAdmission();
  private final Clock clock;

  ObjectWrites(KubernetesCrudDispatcher store, ObjectReads reads, Clock clock) {
    this.store = store;
    this.reads = reads;
    this.clock = clock;
  }

  // Writes are serialized: a version check and the write it guards must not interleave with another write.
  synchronized MockResponse create(RecordedRequest request, ApiRequest api, ApiResource r) {
    JsonNode body = parseBody(request);
    if (!body.isObject()) {
      throw StatusException.badRequest("the body of the request was not a JSON object");
    }
    ObjectNode object = (ObjectNode) body;
    ObjectNode metadata = object.has("metadata") && object.get("metadata").isObject()
        ? (ObjectNode) object.get("metadata") : object.putObject("metadata");
    if (r.namespaced() && api.namespace != null) {
      if (metadata.hasNonNull("namespace") && !metadata.get("namespace").asText().equals(api.namespace)) {
        throw StatusException.badRequest(
            "the namespace of the provided object does not match the namespace sent on the request");
      }
      metadata.put("namespace", api.namespace);
    }
    if (!metadata.hasNonNull("name") && metadata.hasNonNull("generateName")) {
      metadata.put("name", metadata.get("generateName").asText() + randomSuffix());
    }
    String name = metadata.path("name").asText("");
    checkName(r, name);
    if (reads.find(r, api.namespace, name).isPresent()) {
      throw StatusException.alreadyExists(r, name);
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
    admit(api, r, object, null);
    MockResponse response = store.dispatch(rewrite(request, HttpMethod.POST, r.collectionPath(api.namespace),
        object));
    return withJsonContentType(response);
  }

  private static void checkName(ApiResource r, String name) {
    if (name.isEmpty()) {
      throw StatusException.invalid(r, name, List.of(new FieldError("metadata.name", "FieldValueRequired",
          "Required value: name or generateName is required")));
    }
    if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
      throw StatusException.invalid(r, name, List.of(new FieldError("metadata.name", "FieldValueInvalid",
          "Invalid value: " + Json.write(name) + ": a lowercase RFC 1123 subdomain must consist of lower case "
              + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
              + "'example.com', regex used for validation is '" + DNS_SUBDOMAIN.pattern() + "')")));
    }
  }

  synchronized MockResponse patch(RecordedRequest request, ApiRequest api, ApiResource r) {
    String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
    boolean serverSideApply = contentType.startsWith("application/apply-patch");
    Optional<JsonNode> found = reads.find(r, api.namespace, api.name);
    if (found.isEmpty()) {
      if (serverSideApply && !api.isStatus()) {
        // Server-side apply creates what is missing; field ownership is not tracked (the mock has none).
        String collection = r.collectionPath(api.namespace);
        return create(rewrite(request, HttpMethod.POST, collection, parseBody(request)),
            ApiRequest.parse(collection), r);
      }
      throw StatusException.notFound(r, api.name);
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

  synchronized MockResponse update(RecordedRequest request, ApiRequest api, ApiResource r, JsonNode body) {
    if (!body.isObject()) {
      throw StatusException.badRequest("the body of the request was not a JSON object");
    }
    JsonNode current = reads.current(api, r);
    String expectedVersion = body.path("metadata").path("resourceVersion").asText("");
    if (!expectedVersion.isEmpty()
        && !expectedVersion.equals(current.path("metadata").path("resourceVersion").asText(""))) {
      // Optimistic concurrency as the API server does it (the mock ignores the version on /status writes).
      throw StatusException.conflict(r, api.name);
    }
    ObjectNode updated = api.isStatus() ? withStatusOf(current, body) : withStatusKept(current, body, r);
    updated.put("apiVersion", r.groupVersion());
    updated.put("kind", r.kind());
    ObjectNode metadata = updated.has("metadata") && updated.get("metadata").isObject()
        ? (ObjectNode) updated.get("metadata") : updated.putObject("metadata");
    if (metadata.hasNonNull("name") && !metadata.get("name").asText().equals(api.name)) {
      throw StatusException.badRequest("the name of the object (" + metadata.get("name").asText()
          + ") does not match the name on the URL (" + api.name + ")");
    }
    metadata.put("name", api.name);
    // Immutable metadata the API server keeps regardless of what the client sends.
    for (String kept : List.of("uid", "creationTimestamp", "deletionTimestamp", "namespace")) {
      if (current.path("metadata").has(kept)) {
        metadata.set(kept, current.path("metadata").get(kept));
      }
    }
    admit(api, r, updated, current);
    String path = r.objectPath(api.namespace, api.name) + (api.isStatus() ? "/status" : "");
    MockResponse response = store.dispatch(rewrite(request, HttpMethod.PUT, path, updated));
    if (response.code() == 200 && body(response).equals("{}")) {
      // The mock deleted it (deletion pending and the last finalizer removed); a real server returns the object.
      return json(200, updated);
    }
    if (response.code() == 409) {
      throw StatusException.conflict(r, api.name);
    }
    return withJsonContentType(response);
  }

  /** A /status write: the stored object with the body's status (and the body's resourceVersion, if any). */
  private static ObjectNode withStatusOf(JsonNode current, JsonNode body) {
    ObjectNode updated = current.deepCopy();
    if (body.has("status")) {
      updated.set("status", body.get("status"));
    } else {
      updated.remove("status");
    }
    ObjectNode metadata = (ObjectNode) updated.get("metadata");
    if (body.path("metadata").hasNonNull("resourceVersion")) {
      metadata.put("resourceVersion", body.path("metadata").get("resourceVersion").asText());
    }
    return updated;
  }

  /** A write of the object: the body, but with a status subresource the stored status stays. */
  private static ObjectNode withStatusKept(JsonNode current, JsonNode body, ApiResource r) {
    ObjectNode updated = (ObjectNode) body.deepCopy();
    if (r.statusSubresource()) {
      if (current.has("status")) {
        updated.set("status", current.get("status"));
      } else {
        updated.remove("status");
      }
    }
    return updated;
  }

  synchronized MockResponse delete(RecordedRequest request, ApiRequest api, ApiResource r) {
    if (api.name == null) {
      return store.dispatch(request);
    }
    JsonNode current = reads.current(api, r);
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
      MockResponse response = store.dispatch(rewrite(request, HttpMethod.PUT, r.objectPath(api.namespace, api.name),
          marked));
      return withJsonContentType(response);
    }
    store.dispatch(rewrite(request, HttpMethod.DELETE, r.objectPath(api.namespace, api.name), null));
    ObjectNode status = Json.object();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    status.set("details", StatusException.details(r, api.name).put("uid", current.path("metadata").path("uid")
        .asText()));
    return json(200, status);
  }

  /** Schema pruning and validation plus CEL rules, for CRD kinds; a 422 (or 400 for strict unknown fields). */
  private void admit(ApiRequest api, ApiResource r, ObjectNode object, JsonNode old) {
    if (!r.isCustom()) {
      return;
    }
    List<String> unknown = admission.prune(r.crdVersion(), object);
    String fieldValidation = api.query.getOrDefault("fieldValidation", "");
    if (!unknown.isEmpty() && "Strict".equalsIgnoreCase(fieldValidation)) {
      List<String> quoted = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
      throw StatusException.badRequest(r.kind() + " in version \"" + r.version() + "\" cannot be handled as a "
          + r.kind() + ": strict decoding error: " + String.join(", ", quoted));
    }
    List<FieldError> errors = admission.validate(r.crdVersion(), object, old);
    if (!errors.isEmpty()) {
      throw StatusException.invalid(r, object.path("metadata").path("name").asText(), errors);
    }
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 5; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
