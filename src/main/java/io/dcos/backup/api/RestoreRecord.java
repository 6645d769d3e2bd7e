package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** One Restore of a backup as `dcos backup show` lists it under `restores`. {@code id} is the Restore object's name. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RestoreRecord(String id, Phase status, ComponentStatus componentStatus, String timestamp) {}
