package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;

/** Thrown to answer with a Kubernetes Status, worded as the API server words it. */
final class StatusException extends RuntimeException {
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
    return MockHttp.json(code, status);
  }

  /** A path no resource is served at. */
  static StatusException noSuchResource() {
    return new StatusException(404, "NotFound", "the server could not find the requested resource", null);
  }

  static StatusException badRequest(String message) {
    return new StatusException(400, "BadRequest", message, null);
  }

  static StatusException notFound(ApiResource r, String name) {
    return new StatusException(404, "NotFound", r.qualifiedResource() + " \"" + name + "\" not found",
        details(r, name));
  }

  static StatusException alreadyExists(ApiResource r, String name) {
    return new StatusException(409, "AlreadyExists", r.qualifiedResource() + " \"" + name + "\" already exists",
        details(r, name));
  }

  /** An optimistic-concurrency failure: the resourceVersion sent is not the stored one. */
  static StatusException conflict(ApiResource r, String name) {
    return new StatusException(409, "Conflict", "Operation cannot be fulfilled on " + r.qualifiedResource() + " \""
        + name + "\": the object has been modified; please apply your changes to the latest version and try again",
        details(r, name));
  }

  static StatusException invalid(ApiResource r, String name, List<FieldError> errors) {
    String rendered = errors.size() == 1 ? errors.get(0).render()
        : "[" + String.join(", ", errors.stream().map(FieldError::render).toList()) + "]";
    // Invalid names the kind (kubectl prints 'The Backup "x" is invalid'); NotFound names the resource.
    ObjectNode details = details(r, name).put("kind", r.kind());
    ArrayNode causes = details.putArray("causes");
    for (FieldError e : errors) {
      causes.addObject().put("reason", e.reason()).put("message", e.message()).put("field", e.field());
    }
    return new StatusException(422, "Invalid", r.qualifiedKind() + " \"" + name + "\" is invalid: " + rendered,
        details);
  }

  /** A Status's details naming one object. */
  static ObjectNode details(ApiResource r, String name) {
    ObjectNode details = Json.object();
    details.put("name", name);
    if (!r.group().isEmpty()) {
      details.put("group", r.group());
    }
    details.put("kind", r.plural());
    return details;
  }
}
