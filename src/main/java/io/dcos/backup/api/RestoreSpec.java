package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Which backup to restore: by its ID (as `dcos backup restore <id>`), or by the Backup object's name for YAML
 * written before the ID exists (GitOps: a Backup and its Restore in one commit).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: create a new Restore instead")
@ValidationRule(
    value = "has(self.backupId) != has(self.backupName)",
    message = "exactly one of backupId or backupName must be set")
public record RestoreSpec(
    @Pattern("^[A-Za-z0-9_.-]{3,100}$") String backupId,
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String backupName,
    /**
     * Restore even a backup whose Marathon storage version the running Marathon refuses (newer than the live state's:
     * taken before a downgrade; or older than 1.6.0). Without it such a Restore fails before anything is written.
     */
    Boolean allowStorageVersionChange,
    /** The MarathonCluster the backup was taken from (it must be); unset: {@code default}. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String cluster,
    /**
     * Restore into another MarathonCluster than the one the backup was taken from: a migration, refused when the two
     * Marathons' storage versions differ. Unset: into {@code cluster}.
     */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String targetCluster) {

  public RestoreSpec(String backupId, String backupName) {
    this(backupId, backupName, null, null, null);
  }

  public RestoreSpec(String backupId, String backupName, Boolean allowStorageVersionChange) {
    this(backupId, backupName, allowStorageVersionChange, null, null);
  }

  /** The cluster the backup must have been taken from. */
  public String clusterOrDefault() {
    return MarathonCluster.nameOrDefault(cluster);
  }

  /** The cluster written to. */
  public String target() {
    return targetCluster == null || targetCluster.isBlank() ? clusterOrDefault() : targetCluster;
  }

  public boolean allowsStorageVersionChange() {
    return Boolean.TRUE.equals(allowStorageVersionChange);
  }
}
