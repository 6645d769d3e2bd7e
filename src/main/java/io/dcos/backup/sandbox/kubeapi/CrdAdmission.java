package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a real API server does to a custom resource before storing it: prune fields the schema does not know,
 * validate against openAPIV3Schema (with a maintained JSON-schema validator) and run the x-kubernetes-validations
 * CEL rules (with cel-java), reporting errors in the API server's words so kubectl prints what users would see.
 */
final class CrdAdmission {

  /** One error as the API server reports it: {@code field: message}, with the cause type kubectl shows. */
  record FieldError(String field, String reason, String message) {
    String render() {
      return field + ": " + message;
    }
  }

  private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
  private final Map<String, Schema> compiledSchemas = new ConcurrentHashMap<>();
  private final Map<String, CelRuntime.Program> compiledRules = new ConcurrentHashMap<>();
  private final CelCompiler celCompiler = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addLibraries(CelExtensions.strings())
      .addVar("self", SimpleType.DYN)
      .addVar("oldSelf", SimpleType.DYN)
      .build();
  private final CelRuntime celRuntime = CelRuntimeFactory.standardCelRuntimeBuilder()
      .addLibraries(CelExtensions.strings())
      .build();

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
      FieldError fieldError = toFieldError(error);
      if (fieldError != null && !errors.contains(fieldError)) {
        errors.add(fieldError);
      }
    }
    // As the API server's customResourceStrategy: CEL rules run next to schema errors (a failed pattern, a bound)
    // and are reported after them, unless an error leaves the object unfit for evaluation (a missing required field,
    // a wrong type, an unsupported enum value, too long, too many) — then one error says they were not checked.
    if (errors.stream().noneMatch(e -> BLOCKING.contains(e.reason()))) {
      runRules(schema, object, oldObject, "", errors, true);
    } else if (hasRules(schema)) {
      errors.add(new FieldError("<nil>", "FieldValueInvalid", "Invalid value: \"null\": some validation rules were "
          + "not checked because the object was invalid; correct the existing errors to complete validation"));
    }
    return errors;
  }

  /** Error types the API server treats as blocking CEL evaluation (apiextensions' hasBlockingErr). */
  private static final Set<String> BLOCKING = Set.of("FieldValueNotSupported", "FieldValueRequired",
      "FieldValueTooLong", "FieldValueTooMany", "FieldValueTypeInvalid");

  private static boolean hasRules(JsonNode schema) {
    return schema.findValue("x-kubernetes-validations") != null;
  }

  private static JsonNode schemaOf(CustomResourceDefinitionVersion version) {
    if (version == null || version.getSchema() == null || version.getSchema().getOpenAPIV3Schema() == null) {
      return null;
    }
    return Json.MAPPER.valueToTree(version.getSchema().getOpenAPIV3Schema());
  }

  // Metadata is validated by the API machinery, not the CRD schema (which usually says just type: object).
  private static JsonNode withoutMetadata(JsonNode object) {
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

  private static FieldError toFieldError(Error error) {
    String keyword = error.getKeyword();
    String field = fieldPath(error.getInstanceLocation());
    JsonNode schema = error.getSchemaNode();
    JsonNode value = error.getInstanceNode();
    String where = field.isEmpty() ? "body" : field;
    if (keyword == null) {
      return new FieldError(where, "FieldValueInvalid", "Invalid value: " + render(value) + ": " + error.getMessage());
    }
    switch (keyword) {
      case "required": {
        String property = error.getProperty();
        if (property == null && error.getArguments() != null && error.getArguments().length > 0) {
          property = String.valueOf(error.getArguments()[0]);
        }
        return new FieldError(field.isEmpty() ? property : field + "." + property, "FieldValueRequired",
            "Required value");
      }
      case "type": {
        String expected = typeName(keywordValue(schema, "type"));
        return new FieldError(where, "FieldValueTypeInvalid", "Invalid value: \"" + jsonType(value) + "\": " + where
            + " in body must be of type " + expected + ": \"" + jsonType(value) + "\"");
      }
      case "pattern":
        return invalid(where, value, where + " in body should match '" + text(schema, "pattern") + "'");
      case "enum": {
        List<String> allowed = new ArrayList<>();
        JsonNode values = keywordValue(schema, "enum");
        if (values != null) {
          values.forEach(v -> allowed.add(render(v)));
        }
        return new FieldError(where, "FieldValueNotSupported",
            "Unsupported value: " + render(value) + ": supported values: " + String.join(", ", allowed));
      }
      case "minLength":
        return invalid(where, value, where + " in body should be at least " + text(schema, "minLength") + " chars long");
      case "maxLength":
        return new FieldError(where, "FieldValueTooLong",
            "Too long: may not be more than " + text(schema, "maxLength") + " bytes");
      case "minimum":
        return invalid(where, value, where + " in body should be greater than "
            + (schema != null && schema.path("exclusiveMinimum").asBoolean(false) ? "" : "or equal to ")
            + text(schema, "minimum"));
      case "maximum":
        return invalid(where, value, where + " in body should be less than "
            + (schema != null && schema.path("exclusiveMaximum").asBoolean(false) ? "" : "or equal to ")
            + text(schema, "maximum"));
      case "minItems":
        return invalid(where, value, where + " in body should have at least " + text(schema, "minItems") + " items");
      case "maxItems":
        return new FieldError(where, "FieldValueTooMany",
            "Too many: " + value.size() + ": must have at most " + text(schema, "maxItems") + " items");
      case "minProperties":
        return invalid(where, value, where + " in body should have at least " + text(schema, "minProperties")
            + " properties");
      case "maxProperties":
        return invalid(where, value, where + " in body should have at most " + text(schema, "maxProperties")
            + " properties");
      default:
        return invalid(where, value, error.getMessage());
    }
  }

  private static FieldError invalid(String field, JsonNode value, String detail) {
    return new FieldError(field, "FieldValueInvalid", "Invalid value: " + render(value) + ": " + detail);
  }

  /** The keyword's value: the validator reports either the enclosing schema or the keyword's own node. */
  private static String text(JsonNode schema, String keyword) {
    JsonNode value = keywordValue(schema, keyword);
    if (value == null) {
      return "";
    }
    if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())) {
      return Long.toString(value.asLong());
    }
    return value.asText();
  }

  private static JsonNode keywordValue(JsonNode schema, String keyword) {
    if (schema == null) {
      return null;
    }
    if (schema.isObject() && schema.has(keyword)) {
      return schema.get(keyword);
    }
    return schema.isObject() ? null : schema;
  }

  private static String fieldPath(NodePath path) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < path.getNameCount(); i++) {
      Object element = path.getElement(i);
      if (element instanceof Integer index) {
        out.append('[').append(index).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(element);
      }
    }
    return out.toString();
  }

  private static String typeName(JsonNode type) {
    if (type == null) {
      return "";
    }
    if (type.isArray()) {
      List<String> names = new ArrayList<>();
      type.forEach(t -> {
        if (!"null".equals(t.asText())) {
          names.add(t.asText());
        }
      });
      return String.join(",", names);
    }
    return type.asText();
  }

  private static String jsonType(JsonNode value) {
    if (value == null || value.isNull()) {
      return "null";
    } else if (value.isTextual()) {
      return "string";
    } else if (value.isIntegralNumber()) {
      return "integer";
    } else if (value.isNumber()) {
      return "number";
    } else if (value.isBoolean()) {
      return "boolean";
    } else if (value.isArray()) {
      return "array";
    }
    return "object";
  }

  /** How Go's field.Invalid prints a value: strings quoted, scalars plain, composites by type. */
  private static String render(JsonNode value) {
    if (value == null || value.isNull()) {
      return "null";
    } else if (value.isTextual()) {
      return Json.write(value.asText());
    } else if (value.isValueNode()) {
      return value.toString();
    }
    return "\"" + jsonType(value) + "\"";
  }

  private void runRules(JsonNode schema, JsonNode value, JsonNode oldValue, String path, List<FieldError> errors,
      boolean root) {
    if (schema == null || value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    JsonNode rules = schema.get("x-kubernetes-validations");
    if (rules != null && rules.isArray()) {
      for (JsonNode rule : rules) {
        String expression = rule.path("rule").asText();
        boolean transition = expression.contains("oldSelf");
        if (transition && (oldValue == null || oldValue.isMissingNode() || oldValue.isNull())) {
          continue;
        }
        String failure = evaluate(expression, root ? withoutMetadata(value) : value,
            transition ? (root ? withoutMetadata(oldValue) : oldValue) : null);
        if (failure != null) {
          String message = rule.hasNonNull("message") ? rule.get("message").asText()
              : "failed rule: " + expression;
          String field = path.isEmpty() ? "<nil>" : path;
          if (rule.hasNonNull("fieldPath")) {
            field = (path.isEmpty() ? "" : path) + rule.get("fieldPath").asText();
            field = field.startsWith(".") ? field.substring(1) : field;
          }
          String reason = rule.hasNonNull("reason") ? rule.get("reason").asText() : "FieldValueInvalid";
          errors.add(new FieldError(field, reason, "Invalid value: \"" + jsonType(value) + "\": "
              + (failure.isEmpty() ? message : failure)));
        }
      }
    }
    if (value.isObject()) {
      JsonNode properties = schema.get("properties");
      JsonNode additional = schema.get("additionalProperties");
      value.fields().forEachRemaining(f -> {
        JsonNode childSchema = properties != null && properties.has(f.getKey()) ? properties.get(f.getKey())
            : additional != null && additional.isObject() ? additional : null;
        JsonNode oldChild = oldValue == null ? null : oldValue.get(f.getKey());
        runRules(childSchema, f.getValue(), oldChild, path.isEmpty() ? f.getKey() : path + "." + f.getKey(), errors,
            false);
      });
    } else if (value.isArray() && schema.has("items")) {
      // Array items are correlated with old items only for map-type lists upstream; without that, no oldSelf.
      for (int i = 0; i < value.size(); i++) {
        runRules(schema.get("items"), value.get(i), null, path + "[" + i + "]", errors, false);
      }
    }
  }

  /** Null when the rule holds; "" when it does not; an explanation when it cannot be evaluated. */
  private String evaluate(String expression, JsonNode self, JsonNode oldSelf) {
    try {
      CelRuntime.Program program = compiledRules.computeIfAbsent(expression, this::compile);
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("self", toCel(self));
      if (oldSelf != null) {
        vars.put("oldSelf", toCel(oldSelf));
      }
      Object result = program.eval(vars);
      return Boolean.TRUE.equals(result) ? null : "";
    } catch (CelEvaluationException e) {
      return "rule evaluation error: " + e.getMessage();
    } catch (IllegalArgumentException e) {
      return "compilation failed: " + e.getMessage();
    }
  }

  private CelRuntime.Program compile(String expression) {
    try {
      CelAbstractSyntaxTree ast = celCompiler.compile(expression).getAst();
      return celRuntime.createProgram(ast);
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** JSON → the Java values cel-java evaluates: maps, lists, Long, Double, String, Boolean. */
  static Object toCel(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    } else if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(f -> map.put(f.getKey(), toCel(f.getValue())));
      return map;
    } else if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      ((ArrayNode) node).forEach(n -> list.add(toCel(n)));
      return list;
    } else if (node.isIntegralNumber()) {
      return node.asLong();
    } else if (node.isNumber()) {
      return node.asDouble();
    } else if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }
}
