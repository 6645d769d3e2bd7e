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
    Long observedGeneration) {}
