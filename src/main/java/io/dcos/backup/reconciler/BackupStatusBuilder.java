package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.control.Conditions;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.PreCopyStatus;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreRecord;
import io.dcos.backup.engine.BackupOutcome;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The one way a Backup's status is made: from the current one, changing only what the step knows. componentStatus
 * follows the phase; a stage (running, ready, failed) sets the lifecycle conditions.
 */
final class BackupStatusBuilder {
  private final Long generation;
  private final Instant now;
  private String id;
  private Phase phase;
  private ComponentStatus componentStatus;
  private String message;
  private String timestamp;
  private String startTime;
  private String completionTime;
  private String marathonVersion;
  private String location;
  private Long znodes;
  private Long bytes;
  private String sha256;
  private Double leaderless;
  private Boolean recoveredFromStore;
  private List<RestoreRecord> restores;
  private List<Condition> conditions;
  private BackupStatus.Consistency consistency;
  private String storageVersion;
  private String storageLocation;
  private String objectKey;
  private String encryptionKeyId;
  private PreCopyStatus preCopy;

  /** @param generation what observedGeneration becomes; {@code now} stamps conditions that change */
  private BackupStatusBuilder(BackupStatus base, Long generation, Instant now) {
    this.generation = generation;
    this.now = now;
    if (base != null) {
      id = base.id();
      phase = base.phase();
      componentStatus = base.componentStatus();
      message = base.message();
      timestamp = base.timestamp();
      startTime = base.startTime();
      completionTime = base.completionTime();
      marathonVersion = base.marathonVersion();
      location = base.location();
      znodes = base.znodes();
      bytes = base.bytes();
      sha256 = base.sha256();
      leaderless = base.marathonLeaderlessSeconds();
      recoveredFromStore = base.recoveredFromStore();
      restores = base.restores();
      conditions = base.conditions();
      consistency = base.consistency();
      storageVersion = base.storageVersion();
      storageLocation = base.storageLocation();
      objectKey = base.objectKey();
      encryptionKeyId = base.encryptionKeyId();
      preCopy = base.preCopy();
    }
  }

  /** Starts from {@code base} (null: an empty status). */
  static BackupStatusBuilder from(BackupStatus base, Long generation, Instant now) {
    return new BackupStatusBuilder(base, generation, now);
  }

  /** {@code base} as it is, observedGeneration included, with another list of restores. */
  static BackupStatus withRestores(BackupStatus base, List<RestoreRecord> restores) {
    return from(base, base.observedGeneration(), null).restores(restores).build();
  }

  /** A Backup's Restores as its status lists them: oldest first, with their phase; null for none. */
  static List<RestoreRecord> restoreRecords(Stream<Restore> restoresOfIt) {
    List<RestoreRecord> records = restoresOfIt
        .sorted(Comparator.comparing((Restore r) -> r.getMetadata().getCreationTimestamp(),
            Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(r -> r.getMetadata().getName()))
        .map(restore -> {
          Phase phase = restore.getStatus() == null ? Phase.STATUS_UNKNOWN
              : Objects.requireNonNullElse(restore.getStatus().phase(), Phase.STATUS_UNKNOWN);
          return new RestoreRecord(restore.getMetadata().getName(), phase, ComponentStatus.marathon(phase),
              restore.getMetadata().getCreationTimestamp());
        })
        .toList();
    return records.isEmpty() ? null : records;
  }

  BackupStatusBuilder id(String value) { id = value; return this; }
  BackupStatusBuilder phase(Phase value) {
    phase = value;
    componentStatus = value == null ? null : ComponentStatus.marathon(value);
    return this;
  }

  BackupStatusBuilder message(String value) { message = value; return this; }
  BackupStatusBuilder timestamp(String value) { timestamp = value; return this; }
  BackupStatusBuilder startTime(String value) { startTime = value; return this; }
  BackupStatusBuilder completionTime(String value) { completionTime = value; return this; }
  BackupStatusBuilder marathonVersion(String value) { marathonVersion = value; return this; }
  BackupStatusBuilder location(String value) { location = value; return this; }
  BackupStatusBuilder leaderless(Double value) { leaderless = value; return this; }
  BackupStatusBuilder recoveredFromStore(Boolean value) { recoveredFromStore = value; return this; }
  BackupStatusBuilder restores(List<RestoreRecord> value) { restores = value; return this; }
  BackupStatusBuilder consistency(BackupStatus.Consistency value) { consistency = value; return this; }
  BackupStatusBuilder storageVersion(String value) { storageVersion = value; return this; }
  BackupStatusBuilder storageLocation(String name, String key) { storageLocation = name; objectKey = key; return this; }
  BackupStatusBuilder encryptionKeyId(String value) { encryptionKeyId = value; return this; }
  BackupStatusBuilder preCopy(PreCopyStatus value) { preCopy = value; return this; }

  BackupStatusBuilder figures(long znodeCount, long byteCount, String digest) {
    znodes = znodeCount;
    bytes = byteCount;
    sha256 = digest;
    return this;
  }

  /** Ready: the archive the backup job placed, verified; {@code startTime} and {@code completionTime} its run's. */
  BackupStatusBuilder finished(BackupJob.Placed placed, String startTime, String completionTime) {
    BackupOutcome outcome = placed.outcome();
    var manifest = outcome.manifest();
    String message = OutcomeStatus.message(outcome);
    return phase(Phase.STATUS_READY)
        .id(manifest.id())
        .message(message)
        .timestamp(Times.format(manifest.created()))
        .startTime(startTime)
        .completionTime(completionTime)
        .marathonVersion(manifest.marathonVersion())
        .storageVersion(manifest.storageVersion())
        .location(placed.where())
        .storageLocation(placed.locationName(), placed.objectKey())
        .encryptionKeyId(placed.encryptionKeyId())
        .figures(manifest.znodes(), manifest.bytes(), manifest.sha256())
        .leaderless(OutcomeStatus.seconds(outcome.marathonLeaderless()))
        .consistency(switch (outcome.consistency()) {
          case FENCED -> BackupStatus.Consistency.Fenced;
          case ONLINE -> BackupStatus.Consistency.Online;
          case FENCED_FALLBACK -> BackupStatus.Consistency.FencedFallback;
        })
        .preCopy(OutcomeStatus.preCopy(outcome.preCopy()))
        .ready("BackupReady", message);
  }

  BackupStatusBuilder running(String reason, String text) {
    return stage(Conditions.Stage.RUNNING, reason, text);
  }

  BackupStatusBuilder ready(String reason, String text) {
    return stage(Conditions.Stage.READY, reason, text);
  }

  BackupStatusBuilder failed(String reason, String text) {
    return stage(Conditions.Stage.FAILED, reason, text);
  }

  private BackupStatusBuilder stage(Conditions.Stage stage, String reason, String text) {
    conditions = Conditions.lifecycle(conditions, stage, reason, text, generation, now);
    return this;
  }

  BackupStatus build() {
    return new BackupStatus(id, phase, componentStatus, timestamp,
        startTime, completionTime, message, marathonVersion, location, znodes, bytes, sha256, leaderless,
        recoveredFromStore, restores, conditions, generation, consistency, storageVersion, storageLocation, objectKey,
        encryptionKeyId, preCopy);
  }
}
