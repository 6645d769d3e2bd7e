package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** The result of the operator's last check of the location. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupStorageLocationStatus(
    LocationPhase phase,
    /** Why it is Unavailable (the store's answer), or what was checked. */
    String message,
    /** RFC 3339 time of the last check. */
    String lastChecked,
    /** s3://bucket/prefix/ or the directory: what the Bucket/Path column shows. */
    String where,
    Long observedGeneration) {

  public enum LocationPhase { Available, Unavailable }
}
