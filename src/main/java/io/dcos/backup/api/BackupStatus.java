package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** A DC/OS backup record plus Kubernetes conventions (conditions, observedGeneration). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupStatus(
    /** {@code <label>-<uuid4>}: assigned once, names the archive, what `kubectl backup restore` takes. */
    String id,
    Phase phase,
    ComponentStatus componentStatus,
    /** RFC 3339 time the backup was taken (DC/OS `timestamp`). */
    String timestamp,
    String startTime,
    String completionTime,
    /** Why it failed, or what it is doing or waiting for. */
    String message,
    String marathonVersion,
    /** Where the archive lives, as seen by the operator (a path on its backup volume). */
    String location,
    Long znodes,
    Long bytes,
    String sha256,
    /** How long Marathon had no elected leader because of this backup. */
    Double marathonLeaderlessSeconds,
    /** Set when the object was re-created from an archive found in the store (its original object was lost). */
    Boolean recoveredFromStore,
    List<RestoreRecord> restores,
    List<Condition> conditions,
    Long observedGeneration,
    /**
     * How the snapshot was made consistent: Fenced (Marathon restarted), Online (no restart; proven unchanged while
     * read) or FencedFallback (Online was asked for, Marathon kept writing, so it was restarted after all).
     */
    Consistency consistency,
    /**
     * Marathon's storage version in the archived state (internal:storage:version), as Marathon logs it, e.g.
     * {@code Version(110, 100, 0, PERSISTENCE_STORE)}; "none" if the state has none. A Marathon refuses state newer
     * than its own version: pick a backup whose storage version the Marathon you run can load.
     */
    String storageVersion,
    /** The BackupStorageLocation holding the archive; unset on backups made before locations existed: the default. */
    String storageLocation,
    /** The archive's object key in an S3 location (or its file name in a filesystem one). */
    String objectKey,
    /**
     * The id of the key the archive is encrypted with (client-side), as its stored header names it; never the key.
     * Unset: stored in plaintext. A restore needs that key in the location's key Secret.
     */
    String encryptionKeyId,
    /** How the pre-copy went, when the archive came from one (the fenced default). */
    PreCopyStatus preCopy,
    /**
     * {@link #bytes()} for people, as the Size printer column shows it (e.g. {@code 12.3 MiB}); always derived from
     * bytes, which stays the exact figure for machines.
     */
    String size) {

  public BackupStatus {
    size = bytes == null ? null : humanBytes(bytes);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration, Consistency consistency, String storageVersion,
      String storageLocation, String objectKey, String encryptionKeyId, PreCopyStatus preCopy) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration,
        consistency, storageVersion, storageLocation, objectKey, encryptionKeyId, preCopy, null);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration, Consistency consistency, String storageVersion,
      String storageLocation, String objectKey, String encryptionKeyId) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration,
        consistency, storageVersion, storageLocation, objectKey, encryptionKeyId, null);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration, Consistency consistency, String storageVersion,
      String storageLocation, String objectKey) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration,
        consistency, storageVersion, storageLocation, objectKey, null);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration, Consistency consistency, String storageVersion) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration,
        consistency, storageVersion, null, null);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration, null);
  }

  public BackupStatus(String id, Phase phase, ComponentStatus componentStatus, String timestamp, String startTime,
      String completionTime, String message, String marathonVersion, String location, Long znodes, Long bytes,
      String sha256, Double marathonLeaderlessSeconds, Boolean recoveredFromStore, List<RestoreRecord> restores,
      List<Condition> conditions, Long observedGeneration, Consistency consistency) {
    this(id, phase, componentStatus, timestamp, startTime, completionTime, message, marathonVersion, location, znodes,
        bytes, sha256, marathonLeaderlessSeconds, recoveredFromStore, restores, conditions, observedGeneration,
        consistency, null);
  }

  /**
   * How a backup was made consistent, as {@code status.consistency} shows it: the spec's {@link BackupSpec.Consistency}
   * values plus FencedFallback (Online asked for, Fenced done). The constant names are the JSON values.
   */
  public enum Consistency { Fenced, Online, FencedFallback }

  /** A byte count in binary units with one decimal, as kubectl users read sizes: 512 B, 1.5 KiB, 12.3 MiB, 2.0 GiB. */
  public static String humanBytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    if (Math.round(value * 10) >= 10240 && unit < units.length - 1) { // 1023.95 KiB would print as 1024.0 KiB
      value /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
