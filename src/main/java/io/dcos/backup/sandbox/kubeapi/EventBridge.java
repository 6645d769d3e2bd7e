package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

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
  private static final java.util.List<String> SHARED = java.util.List.of("metadata", "reason", "type", "action",
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
    ObjectNode core = copyShared(event);
    core.put("apiVersion", "v1");
    core.put("kind", "Event");
    CORE_TO_EVENTS.forEach((coreField, eventsField) -> {
      if (event.has(eventsField)) {
        core.set(coreField, event.get(eventsField).deepCopy());
      }
    });
    if (!core.has("source") && event.hasNonNull("reportingController")) {
      core.putObject("source").put("component", event.get("reportingController").asText());
    }
    if (!core.has("lastTimestamp") && event.path("series").hasNonNull("lastObservedTime")) {
      core.put("lastTimestamp", event.path("series").get("lastObservedTime").asText().replaceAll("\\.\\d+Z$", "Z"));
    }
    return core;
  }

  static ObjectNode toEventsApi(JsonNode event) {
    ObjectNode converted = copyShared(event);
    converted.put("apiVersion", "events.k8s.io/v1");
    converted.put("kind", "Event");
    CORE_TO_EVENTS.forEach((coreField, eventsField) -> {
      if (event.has(coreField)) {
        converted.set(eventsField, event.get(coreField).deepCopy());
      }
    });
    if (!converted.has("reportingController") && event.path("source").hasNonNull("component")) {
      converted.put("reportingController", event.path("source").get("component").asText());
    }
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
