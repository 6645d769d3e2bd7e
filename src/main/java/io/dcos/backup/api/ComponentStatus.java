package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** `component_status` of a DC/OS backup record: one entry per backed-up component (only Marathon exists). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ComponentStatus(MarathonComponent marathon) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MarathonComponent(Phase status) {}

  public static ComponentStatus marathon(Phase phase) {
    return new ComponentStatus(new MarathonComponent(phase));
  }
}
