package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.Conditions;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.PreCopyStatus;
import io.dcos.backup.api.RestoreStatus;
import io.dcos.backup.engine.RestoreOutcome;
import java.time.Instant;
import java.util.List;

/**
 * The one way a Restore's status is made: from the current one, changing only what the step knows. Entering a stage
 * (running, ready, failed) sets the phase, its conditions, and clears the figures of a finished restore that the
 * stage does not have.
 */
final class RestoreStatusBuilder {
  private final Long generation;
  private final Instant now;
  private Phase phase;
  private ComponentStatus componentStatus;
  private String backupId;
  private String startTime;
  private String completionTime;
  private String message;
  private Long znodes;
  private String safetySnapshotId;
  private Double leaderless;
  private List<Condition> conditions;
  private PreCopyStatus preCopy;
  private Long znodesWritten;
  private Long znodesDeleted;

  private RestoreStatusBuilder(RestoreStatus base, Long generation, Instant now) {
    this.generation = generation;
    this.now = now;
    if (base != null) {
      phase = base.phase();
      componentStatus = base.componentStatus();
      backupId = base.backupId();
      startTime = base.startTime();
      completionTime = base.completionTime();
      message = base.message();
      znodes = base.znodes();
      safetySnapshotId = base.safetySnapshotId();
      leaderless = base.marathonLeaderlessSeconds();
      conditions = base.conditions();
      preCopy = base.preCopy();
      znodesWritten = base.znodesWritten();
      znodesDeleted = base.znodesDeleted();
    }
  }

  /** Starts from {@code base} (null: an empty status); {@code now} stamps conditions that change. */
  static RestoreStatusBuilder from(RestoreStatus base, Long generation, Instant now) {
    return new RestoreStatusBuilder(base, generation, now);
  }

  RestoreStatusBuilder backupId(String value) { backupId = value; return this; }
  RestoreStatusBuilder safetySnapshotId(String value) { safetySnapshotId = value; return this; }
  RestoreStatusBuilder startTime(String value) { startTime = value; return this; }
  RestoreStatusBuilder completionTime(String value) { completionTime = value; return this; }
  RestoreStatusBuilder message(String value) { message = value; return this; }

  /** Restoring, or waiting to: nothing finished to show. */
  RestoreStatusBuilder running(String reason, String text) {
    return stage(Phase.STATUS_RESTORING, Conditions.Stage.RUNNING, reason, text).completionTime(null);
  }

  RestoreStatusBuilder failed(String reason, String text) {
    return stage(Phase.STATUS_ERROR, Conditions.Stage.FAILED, reason, text).completionTime(Times.format(now));
  }

  /** Ready: the restored and verified state, what it cost Marathon, what was written. */
  RestoreStatusBuilder restored(RestoreOutcome outcome) {
    stage(Phase.STATUS_READY, Conditions.Stage.READY, "Restored", OutcomeStatus.message(outcome))
        .completionTime(Times.format(now));
    znodes = outcome.znodes();
    leaderless = OutcomeStatus.seconds(outcome.marathonLeaderless());
    RestoreOutcome.Written written = outcome.written();
    if (written != null) {
      preCopy = OutcomeStatus.preCopy(written.preCopy());
      znodesWritten = written.znodesWritten();
      znodesDeleted = written.znodesDeleted();
    }
    return this;
  }

  private RestoreStatusBuilder stage(Phase next, Conditions.Stage stage, String reason, String text) {
    phase = next;
    componentStatus = ComponentStatus.marathon(next);
    message = text;
    znodes = null;
    leaderless = null;
    preCopy = null;
    znodesWritten = null;
    znodesDeleted = null;
    conditions = Conditions.lifecycle(conditions, stage, reason, text, generation, now);
    return this;
  }

  RestoreStatus build() {
    return new RestoreStatus(phase, componentStatus, backupId, startTime, completionTime, message, znodes,
        safetySnapshotId, leaderless, conditions, generation, preCopy, znodesWritten, znodesDeleted);
  }
}
