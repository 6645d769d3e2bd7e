package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-side printing: what a real API server answers when kubectl asks for {@code as=Table}. CRD resources get
 * their additionalPrinterColumns; built-ins get Name and Age.
 */
final class TableConverter {
  private static final String NAME_DESCRIPTION =
      "Name must be unique within a namespace. Is required when creating resources, although some resources may allow "
          + "a client to request the generation of an appropriate name automatically. Name is primarily intended for "
          + "creation idempotence and configuration definition. Cannot be updated.";

  private record Column(String name, String type, String format, String description, int priority, String jsonPath) {
  }

  private final Clock clock;

  TableConverter(Clock clock) {
    this.clock = clock;
  }

  static boolean wantsTable(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  ObjectNode table(ApiResource resource, List<JsonNode> objects, String resourceVersion, boolean withColumns) {
    List<Column> columns = columns(resource);
    ObjectNode table = Json.object();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (resourceVersion != null) {
      metadata.put("resourceVersion", resourceVersion);
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    if (withColumns) {
      for (Column c : columns) {
        ObjectNode d = definitions.addObject();
        d.put("name", c.name());
        d.put("type", c.type());
        d.put("format", c.format());
        d.put("description", c.description());
        d.put("priority", c.priority());
      }
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        cells.add(cell(c, object));
      }
      ObjectNode partial = row.putObject("object");
      partial.put("kind", "PartialObjectMetadata");
      partial.put("apiVersion", "meta.k8s.io/v1");
      partial.set("metadata", object.path("metadata").deepCopy());
    }
    return table;
  }

  private static List<Column> columns(ApiResource resource) {
    List<Column> columns = new ArrayList<>();
    columns.add(new Column("Name", "string", "name", NAME_DESCRIPTION, 0, ".metadata.name"));
    List<CustomResourceColumnDefinition> printerColumns =
        resource.crdVersion() == null ? null : resource.crdVersion().getAdditionalPrinterColumns();
    if (printerColumns == null || printerColumns.isEmpty()) {
      columns.add(new Column("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when "
          + "this object was created.", 0, ".metadata.creationTimestamp"));
      return columns;
    }
    for (CustomResourceColumnDefinition c : printerColumns) {
      columns.add(new Column(c.getName(), c.getType(), c.getFormat() == null ? "" : c.getFormat(),
          c.getDescription() == null ? "" : c.getDescription(), c.getPriority() == null ? 0 : c.getPriority(),
          c.getJsonPath()));
    }
    return columns;
  }

  private JsonNode cell(Column column, JsonNode object) {
    JsonNode value = Json.at(object, column.jsonPath());
    if (value.isMissingNode() || value.isNull()) {
      return NullNode.getInstance();
    }
    if ("date".equals(column.type()) && value.isTextual()) {
      try {
        return TextNode.valueOf(humanDuration(Duration.between(Instant.parse(value.asText()), clock.instant())));
      } catch (DateTimeParseException e) {
        return value;
      }
    }
    return value;
  }

  /** Go's k8s.io/apimachinery duration.HumanDuration, so ages read exactly as kubectl users expect. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return compound(minutes, "m", seconds % 60, "s");
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return compound(hours, "h", minutes % 60, "m");
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      return compound(hours / 24, "d", hours % 24, "h");
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      return compound(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    return hours / 24 / 365 + "y";
  }

  /** {@code 3m7s}, or {@code 3m} when the smaller unit is zero. */
  private static String compound(long major, String majorUnit, long minor, String minorUnit) {
    return minor == 0 ? major + majorUnit : major + majorUnit + minor + minorUnit;
  }
}
