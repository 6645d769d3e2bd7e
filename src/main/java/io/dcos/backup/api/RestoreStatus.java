package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestoreStatus(
    Phase phase,
    ComponentStatus componentStatus,
    /** The backup restored, resolved from spec.backupId or spec.backupName. */
    String backupId,
    String startTime,
    String completionTime,
    String message,
    Long znodes,
    /** ID of the snapshot of the live state taken just before writing: what a failed restore rolled back to. */
    String safetySnapshotId,
    Double marathonLeaderlessSeconds,
    List<Condition> conditions,
    Long observedGeneration,
    /** How the pre-copy of the safety snapshot went; unset when the whole tree was rewritten. */
    PreCopyStatus preCopy,
    /**
     * Nodes the restore created or set (a node whose ACL differed is deleted and created, and counted here): with a
     * pre-copy only where the live state differed from the backup, otherwise the whole tree.
     */
    Long znodesWritten,
    /** Nodes the restore deleted. */
    Long znodesDeleted) {

  public RestoreStatus(Phase phase, ComponentStatus componentStatus, String backupId, String startTime,
      String completionTime, String message, Long znodes, String safetySnapshotId, Double marathonLeaderlessSeconds,
      List<Condition> conditions, Long observedGeneration) {
    this(phase, componentStatus, backupId, startTime, completionTime, message, znodes, safetySnapshotId,
        marathonLeaderlessSeconds, conditions, observedGeneration, null, null, null);
  }
}
