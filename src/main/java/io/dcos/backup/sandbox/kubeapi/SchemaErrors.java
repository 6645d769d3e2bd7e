package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON-schema validator's errors in the API server's words (k8s.io/apimachinery's field errors), so kubectl
 * prints what users would see.
 */
final class SchemaErrors {

  private SchemaErrors() {
  }

  /** The API server's error for one validator error. */
  static FieldError toFieldError(Error error) {
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

  /** The JSON type's name as Go's validation names it. */
  static String jsonType(JsonNode value) {
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
}
