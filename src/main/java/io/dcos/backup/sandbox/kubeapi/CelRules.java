package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A CRD schema's x-kubernetes-validations CEL rules, compiled once each and evaluated with cel-java. */
final class CelRules {
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

  static boolean hasRules(JsonNode schema) {
    return schema.findValue("x-kubernetes-validations") != null;
  }

  /**
   * Runs the x-kubernetes-validations rules of {@code schema} and its children on {@code value}, adding an error per
   * rule that fails; transition rules (using oldSelf) only where {@code oldValue} is there.
   */
  void runRules(JsonNode schema, JsonNode value, JsonNode oldValue, String path, List<FieldError> errors,
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
        String failure = evaluate(expression, root ? CrdAdmission.withoutMetadata(value) : value,
            transition ? (root ? CrdAdmission.withoutMetadata(oldValue) : oldValue) : null);
        if (failure != null) {
          String message = rule.hasNonNull("message") ? rule.get("message").asText()
              : "failed rule: " + expression;
          String field = path.isEmpty() ? "<nil>" : path;
          if (rule.hasNonNull("fieldPath")) {
            field = (path.isEmpty() ? "" : path) + rule.get("fieldPath").asText();
            field = field.startsWith(".") ? field.substring(1) : field;
          }
          String reason = rule.hasNonNull("reason") ? rule.get("reason").asText() : "FieldValueInvalid";
          errors.add(new FieldError(field, reason, "Invalid value: \"" + SchemaErrors.jsonType(value) + "\": "
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
      return NullValue.NULL_VALUE;
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
