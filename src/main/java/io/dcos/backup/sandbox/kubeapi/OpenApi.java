package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * OpenAPI documents for kubectl. v3 (per group-version) carries the CRD schemas, for {@code kubectl explain}, and
 * declares the {@code fieldValidation} query parameter on PATCH so kubectl leaves validation to this server (which
 * validates like a real one) instead of validating client-side.
 */
final class OpenApi {
  // What a real server answers with: the '@' of the requested media type is not a valid Content-Type character.
  static final String V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  private OpenApi() {
  }

  /**
   * kubectl only accepts v2 as gnostic protobuf. An empty message is a valid, empty document: kubectl's client-side
   * validation then finds no schema for a kind and skips it, which is what a real server's v2 does for CRDs
   * without a schema. Validation proper happens here on the server.
   */
  static byte[] v2() {
    return new byte[0];
  }

  static ObjectNode v3Index(ResourceCatalog catalog) {
    ObjectNode index = Json.object();
    ObjectNode paths = index.putObject("paths");
    catalog.groupVersions().forEach((group, versions) -> {
      for (String version : versions) {
        if (catalog.inGroupVersion(group, version).stream().anyMatch(ApiResource::isCustom)) {
          String key = "apis/" + group + "/" + version;
          String hash = Integer.toHexString(v3GroupVersion(catalog, group, version).get().toString().hashCode());
          paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash.toUpperCase());
        }
      }
    });
    return index;
  }

  static Optional<ObjectNode> v3GroupVersion(ResourceCatalog catalog, String group, String version) {
    List<ApiResource> resources = catalog.inGroupVersion(group, version).stream().filter(ApiResource::isCustom).toList();
    if (resources.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode doc = Json.object();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes CRD Swagger").put("version", "v0.1.0");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    schemas.set("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", objectMeta());
    for (ApiResource r : resources) {
      String schemaName = schemaName(r);
      String base = "/apis/" + group + "/" + version + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural();
      ObjectNode gvk = Json.object().put("group", group).put("version", version).put("kind", r.kind());
      ObjectNode item = paths.putObject(base + "/{name}");
      item.set("get", operation("read", r, gvk, schemaName, false));
      item.set("put", operation("replace", r, gvk, schemaName, true));
      item.set("patch", operation("patch", r, gvk, schemaName, true));
      item.set("delete", operation("delete", r, gvk, schemaName, false));
      ObjectNode collection = paths.putObject(base);
      collection.set("get", operation("list", r, gvk, schemaName, false));
      collection.set("post", operation("create", r, gvk, schemaName, true));
      if (r.statusSubresource()) {
        ObjectNode status = paths.putObject(base + "/{name}/status");
        status.set("get", operation("read", r, gvk, schemaName, false));
        status.set("put", operation("replace", r, gvk, schemaName, true));
        status.set("patch", operation("patch", r, gvk, schemaName, true));
      }
      schemas.set(schemaName, kindSchema(r, gvk));
    }
    return Optional.of(doc);
  }

  private static String schemaName(ApiResource r) {
    List<String> parts = new java.util.ArrayList<>(List.of(r.group().split("\\.")));
    java.util.Collections.reverse(parts);
    return String.join(".", parts) + "." + r.version() + "." + r.kind();
  }

  private static ObjectNode operation(String action, ApiResource r, ObjectNode gvk, String schemaName,
      boolean writes) {
    ObjectNode op = Json.object();
    op.put("operationId", action + r.kind() + (r.namespaced() ? "Namespaced" : ""));
    op.put("x-kubernetes-action", action.equals("read") ? "get" : action.equals("replace") ? "put"
        : action.equals("create") ? "post" : action);
    op.set("x-kubernetes-group-version-kind", gvk.deepCopy());
    ArrayNode params = op.putArray("parameters");
    if (writes) {
      for (String name : List.of("dryRun", "fieldManager", "fieldValidation")) {
        params.addObject().put("name", name).put("in", "query").putObject("schema").put("type", "string");
      }
    }
    op.putObject("responses").putObject("200").put("description", "OK").putObject("content")
        .putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + schemaName);
    return op;
  }

  private static ObjectNode kindSchema(ApiResource r, ObjectNode gvk) {
    JsonNode crdSchema = r.crdVersion().getSchema() == null ? null
        : Json.MAPPER.valueToTree(r.crdVersion().getSchema().getOpenAPIV3Schema());
    ObjectNode schema = crdSchema != null && crdSchema.isObject() ? (ObjectNode) crdSchema.deepCopy() : Json.object();
    schema.put("type", "object");
    ObjectNode properties = schema.has("properties") ? (ObjectNode) schema.get("properties")
        : schema.putObject("properties");
    properties.putObject("apiVersion").put("type", "string").put("description",
        "APIVersion defines the versioned schema of this representation of an object.");
    properties.putObject("kind").put("type", "string").put("description",
        "Kind is a string value representing the REST resource this object represents.");
    ObjectNode metadata = properties.putObject("metadata");
    metadata.put("description", "Standard object's metadata.");
    metadata.putArray("allOf").addObject().put("$ref", "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    schema.putArray("x-kubernetes-group-version-kind").add(gvk.deepCopy());
    return schema;
  }

  private static ObjectNode objectMeta() {
    ObjectNode meta = Json.object();
    meta.put("type", "object");
    meta.put("description", "ObjectMeta is metadata that all persisted resources must have.");
    ObjectNode p = meta.putObject("properties");
    for (String s : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
        "generateName")) {
      p.putObject(s).put("type", "string");
    }
    p.putObject("generation").put("type", "integer").put("format", "int64");
    for (String m : List.of("labels", "annotations")) {
      p.putObject(m).put("type", "object").putObject("additionalProperties").put("type", "string");
    }
    p.putObject("finalizers").put("type", "array").putObject("items").put("type", "string");
    return meta;
  }
}
