package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a real API server does to a custom resource before storing it: prune fields the schema does not know,
 * validate against openAPIV3Schema (with a maintained JSON-schema validator, its errors worded by
 * {@link SchemaErrors}) and run the x-kubernetes-validations CEL rules ({@link CelRules}).
 */
final class CrdAdmission {

  private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
  private final Map<String, Schema> compiledSchemas = new ConcurrentHashMap<>();
  private final CelRules rules = new CelRules();

  /**
   * Removes fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields), as the API server's
   * structural pruning does. Returns the removed fields' paths for strict field validation.
   */
  List<String> prune(CustomResourceDefinitionVersion version, ObjectNode object) {
    JsonNode schema = schemaOf(version);
    List<String> removed = new ArrayList<>();
    if (schema == null) {
      return removed;
    }
    pruneObject(schema, object, "", removed, true);
    return removed;
  }

  private static void pruneObject(JsonNode schema, JsonNode value, String path, List<String> removed, boolean root) {
    if (schema == null || value == null) {
      return;
    }
    if (value.isObject()) {
      JsonNode properties = schema.get("properties");
      JsonNode additional = schema.get("additionalProperties");
      boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      List<String> toRemove = new ArrayList<>();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String name = field.getKey();
        String childPath = path.isEmpty() ? name : path + "." + name;
        if (root && Set.of("apiVersion", "kind", "metadata").contains(name)) {
          continue;
        }
        if (properties != null && properties.has(name)) {
          pruneObject(properties.get(name), field.getValue(), childPath, removed, false);
        } else if (additional != null && additional.isObject()) {
          pruneObject(additional, field.getValue(), childPath, removed, false);
        } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
          toRemove.add(name);
          removed.add(childPath);
        }
      }
      toRemove.forEach(((ObjectNode) value)::remove);
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        pruneObject(schema.get("items"), value.get(i), path + "[" + i + "]", removed, false);
      }
    }
  }

  /** Errors for {@code object}; transition rules (those using oldSelf) run only when {@code oldObject} is given. */
  List<FieldError> validate(CustomResourceDefinitionVersion version, JsonNode object, JsonNode oldObject) {
    JsonNode schema = schemaOf(version);
    List<FieldError> errors = new ArrayList<>();
    if (schema == null) {
      return errors;
    }
    Schema compiled = compiledSchemas.computeIfAbsent(schema.toString(),
        s -> SCHEMAS.getSchema(toJsonSchemaDraft4(schema.deepCopy())));
    for (Error error : compiled.validate(withoutMetadata(object))) {
      FieldError fieldError = SchemaErrors.toFieldError(error);
      if (fieldError != null && !errors.contains(fieldError)) {
        errors.add(fieldError);
      }
    }
    // As the API server's customResourceStrategy: CEL rules run next to schema errors (a failed pattern, a bound)
    // and are reported after them, unless an error leaves the object unfit for evaluation (a missing required field,
    // a wrong type, an unsupported enum value, too long, too many) — then one error says they were not checked.
    if (errors.stream().noneMatch(e -> BLOCKING.contains(e.reason()))) {
      rules.runRules(schema, object, oldObject, "", errors, true);
    } else if (CelRules.hasRules(schema)) {
      errors.add(new FieldError("<nil>", "FieldValueInvalid", "Invalid value: \"null\": some validation rules were "
          + "not checked because the object was invalid; correct the existing errors to complete validation"));
    }
    return errors;
  }

  /** Error types the API server treats as blocking CEL evaluation (apiextensions' hasBlockingErr). */
  private static final Set<String> BLOCKING = Set.of("FieldValueNotSupported", "FieldValueRequired",
      "FieldValueTooLong", "FieldValueTooMany", "FieldValueTypeInvalid");

  private static JsonNode schemaOf(CustomResourceDefinitionVersion version) {
    if (version == null || version.getSchema() == null || version.getSchema().getOpenAPIV3Schema() == null) {
      return null;
    }
    return Json.MAPPER.valueToTree(version.getSchema().getOpenAPIV3Schema());
  }

  // Metadata is validated by the API machinery, not the CRD schema (which usually says just type: object).
  static JsonNode withoutMetadata(JsonNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove("metadata");
    return copy;
  }

  /** OpenAPI v3 schema (Kubernetes flavour) → JSON Schema draft 4 with the same acceptance. */
  private static JsonNode toJsonSchemaDraft4(JsonNode node) {
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      // Formats are advisory for CRDs except a few; keeping them would reject what the API server accepts.
      object.remove("format");
      object.remove("x-kubernetes-validations");
      if (object.path("x-kubernetes-int-or-string").asBoolean(false)) {
        object.remove("type");
        object.set("type", Json.array().add("integer").add("string"));
      }
      if (object.path("nullable").asBoolean(false) && object.has("type") && object.get("type").isTextual()) {
        object.set("type", Json.array().add(object.get("type").asText()).add("null"));
      }
      object.fields().forEachRemaining(f -> toJsonSchemaDraft4(f.getValue()));
    } else if (node.isArray()) {
      node.forEach(CrdAdmission::toJsonSchemaDraft4);
    }
    return node;
  }
}
