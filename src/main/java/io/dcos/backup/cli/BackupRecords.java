package io.dcos.backup.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.RestoreRecord;
import java.util.List;
import java.util.Objects;

/**
 * A Backup as the DC/OS CLI showed a backup: its ID, status and timestamp, and the JSON record of {@code show} and
 * {@code list --json}.
 */
final class BackupRecords {
  /** Two-space indented, {@code "key": value}: how the DC/OS CLI printed its JSON. */
  private static final ObjectWriter JSON = new ObjectMapper().writer(new DefaultPrettyPrinter()
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"))
      .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private BackupRecords() {}

  /** The records as the JSON array of {@code list --json}. */
  static String json(List<Backup> backups) {
    ArrayNode records = NODES.arrayNode();
    backups.forEach(b -> records.add(record(b)));
    return write(records);
  }

  /** The record as {@code show} prints it. */
  static String json(Backup backup) {
    return write(record(backup));
  }

  /** The DC/OS backup record: {@code id, timestamp, status, component_status, restores}, then what Kubernetes adds. */
  static ObjectNode record(Backup backup) {
    BackupStatus status = backup.getStatus();
    ObjectNode record = NODES.objectNode();
    record.put("id", idOrName(backup));
    record.put("timestamp", timestamp(backup));
    record.put("status", phase(backup).name());
    record.set("component_status", componentStatus(status == null ? null : status.componentStatus(), phase(backup)));
    ArrayNode restores = record.putArray("restores");
    if (status != null && status.restores() != null) {
      for (RestoreRecord r : status.restores()) {
        ObjectNode item = restores.addObject();
        item.put("id", r.id());
        if (r.timestamp() != null) {
          item.put("timestamp", r.timestamp());
        }
        Phase restorePhase = r.status() == null ? Phase.STATUS_UNKNOWN : r.status();
        item.put("status", restorePhase.name());
        item.set("component_status", componentStatus(r.componentStatus(), restorePhase));
      }
    }
    record.put("label", backup.getSpec() == null ? null : backup.getSpec().label());
    // The Marathon it was taken from: what a restore of it targets unless told otherwise.
    record.put("cluster", clusterOf(backup));
    if (status != null) {
      putIfPresent(record, "marathon_version", status.marathonVersion());
      putIfPresent(record, "storage_version", status.storageVersion());
      putIfPresent(record, "message", status.message());
      if (status.znodes() != null) {
        record.put("znodes", status.znodes());
      }
      if (status.bytes() != null) {
        record.put("bytes", status.bytes());
      }
      if (status.marathonLeaderlessSeconds() != null) {
        record.put("marathon_leaderless_seconds", status.marathonLeaderlessSeconds());
      }
      if (status.preCopy() != null) {
        ObjectNode preCopy = record.putObject("pre_copy");
        if (status.preCopy().onlinePassSeconds() != null) {
          preCopy.put("online_pass_seconds", status.preCopy().onlinePassSeconds());
        }
        if (status.preCopy().rounds() != null) {
          preCopy.put("rounds", status.preCopy().rounds());
        }
        if (status.preCopy().znodesReread() != null) {
          preCopy.put("znodes_reread", status.preCopy().znodesReread());
        }
      }
    }
    record.put("name", backup.getMetadata().getName());
    record.put("namespace", backup.getMetadata().getNamespace());
    return record;
  }

  private static ObjectNode componentStatus(ComponentStatus componentStatus, Phase fallback) {
    Phase marathon = componentStatus != null && componentStatus.marathon() != null
        && componentStatus.marathon().status() != null ? componentStatus.marathon().status() : fallback;
    ObjectNode node = NODES.objectNode();
    node.putObject("marathon").put("status", marathon.name());
    return node;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  private static String write(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The MarathonCluster a backup was taken from. */
  static String clusterOf(Backup backup) {
    return backup.getSpec() == null ? MarathonCluster.DEFAULT_NAME : backup.getSpec().clusterOrDefault();
  }

  static Phase phase(Backup backup) {
    return backup.getStatus() == null || backup.getStatus().phase() == null ? Phase.STATUS_UNKNOWN
        : backup.getStatus().phase();
  }

  /** The backup ID, or the object name while the operator has not assigned one. */
  static String idOrName(Backup backup) {
    return backup.getStatus() != null && backup.getStatus().id() != null ? backup.getStatus().id()
        : backup.getMetadata().getName();
  }

  /** The backup ID, or the label while the operator has not assigned one: what {@code list PREFIX} matches. */
  static String idOrLabel(Backup backup) {
    if (backup.getStatus() != null && backup.getStatus().id() != null) {
      return backup.getStatus().id();
    }
    return backup.getSpec() == null || backup.getSpec().label() == null ? "" : backup.getSpec().label();
  }

  /** When the operator took the backup, else when the object was created. */
  static String timestamp(Backup backup) {
    if (backup.getStatus() != null && backup.getStatus().timestamp() != null) {
      return backup.getStatus().timestamp();
    }
    return Objects.requireNonNullElse(backup.getMetadata().getCreationTimestamp(), "");
  }
}
