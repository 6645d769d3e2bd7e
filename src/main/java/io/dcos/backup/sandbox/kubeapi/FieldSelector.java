package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Field selectors evaluated on the stored JSON. The mock only indexes metadata.name/namespace, so selectors such
 * as {@code involvedObject.uid=...} (kubectl describe's event lookup) would match nothing there.
 */
final class FieldSelector {
  private record Requirement(String field, String value, boolean negated) {
  }

  private final List<Requirement> requirements;

  private FieldSelector(List<Requirement> requirements) {
    this.requirements = requirements;
  }

  static FieldSelector parse(String selector) {
    List<Requirement> requirements = new ArrayList<>();
    if (selector != null) {
      for (String term : splitUnescaped(selector)) {
        if (term.isBlank()) {
          continue;
        }
        int ne = term.indexOf("!=");
        int eqeq = term.indexOf("==");
        int eq = term.indexOf('=');
        if (ne >= 0) {
          requirements.add(new Requirement(term.substring(0, ne).trim(), unescape(term.substring(ne + 2)), true));
        } else if (eqeq >= 0) {
          requirements.add(new Requirement(term.substring(0, eqeq).trim(), unescape(term.substring(eqeq + 2)), false));
        } else if (eq >= 0) {
          requirements.add(new Requirement(term.substring(0, eq).trim(), unescape(term.substring(eq + 1)), false));
        } else {
          throw new IllegalArgumentException("invalid selector: '" + selector + "'; can't understand '" + term + "'");
        }
      }
    }
    return new FieldSelector(requirements);
  }

  private static List<String> splitUnescaped(String selector) {
    List<String> terms = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '\\' && i + 1 < selector.length()) {
        current.append(c).append(selector.charAt(++i));
      } else if (c == ',') {
        terms.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    terms.add(current.toString());
    return terms;
  }

  private static String unescape(String value) {
    return value.trim().replaceAll("\\\\(.)", "$1");
  }

  boolean isEmpty() {
    return requirements.isEmpty();
  }

  boolean matches(JsonNode object) {
    for (Requirement r : requirements) {
      JsonNode node = Json.at(object, r.field());
      String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
      if (actual.equals(r.value()) == r.negated()) {
        return false;
      }
    }
    return true;
  }
}
