package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real API server keeps one store of events behind two APIs, core v1 and events.k8s.io/v1, converting between
 * their field names. The mock keeps two stores, so an event written through one API (the operator may use either)
 * is listed here through the other too: kubectl describe reads core v1.
 */
final class EventBridge {
  // core v1 field → events.k8s.io/v1 field
  private static final Map<String, String> CORE_TO_EVENTS = Map.of(
      "involvedObject", "regarding",
      "message", "note",
      "reportingComponent", "reportingController",
      "source", "deprecatedSource",
      "firstTimestamp", "deprecatedFirstTimestamp",
      "lastTimestamp", "deprecatedLastTimestamp",
      "count", "deprecatedCount");
  private static final Map<String, String> EVENTS_TO_CORE = CORE_TO_EVENTS.entrySet().stream()
      .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));
  private static final List<String> SHARED = List.of("metadata", "reason", "type", "action",
      "eventTime", "series", "related", "reportingInstance");

  private EventBridge() {
  }

  static boolean isCoreEvents(ApiResource r) {
    return r.group().isEmpty() && r.plural().equals("events");
  }

  static boolean isEventsApi(ApiResource r) {
    return r.group().equals("events.k8s.io") && r.plural().equals("events");
  }

  static ObjectNode toCore(JsonNode event) {
    ObjectNode core = converted(event, "v1", EVENTS_TO_CORE);
    if (!core.has("source") && event.hasNonNull("reportingController")) {
      core.putObject("source").put("component", event.get("reportingController").asText());
    }
    if (!core.has("lastTimestamp") && event.path("series").hasNonNull("lastObservedTime")) {
      core.put("lastTimestamp", event.path("series").get("lastObservedTime").asText().replaceAll("\\.\\d+Z$", "Z"));
    }
    return core;
  }

  static ObjectNode toEventsApi(JsonNode event) {
    ObjectNode converted = converted(event, "events.k8s.io/v1", CORE_TO_EVENTS);
    if (!converted.has("reportingController") && event.path("source").hasNonNull("component")) {
      converted.put("reportingController", event.path("source").get("component").asText());
    }
    return converted;
  }

  /** The shared fields, and each field of {@code renamed}'s keys under its value's name. */
  private static ObjectNode converted(JsonNode event, String apiVersion, Map<String, String> renamed) {
    ObjectNode converted = copyShared(event);
    converted.put("apiVersion", apiVersion);
    converted.put("kind", "Event");
    renamed.forEach((from, to) -> {
      if (event.has(from)) {
        converted.set(to, event.get(from).deepCopy());
      }
    });
    return converted;
  }

  private static ObjectNode copyShared(JsonNode event) {
    ObjectNode copy = Json.object();
    for (String field : SHARED) {
      if (event.has(field)) {
        copy.set(field, event.get(field).deepCopy());
      }
    }
    return copy;
  }
}
