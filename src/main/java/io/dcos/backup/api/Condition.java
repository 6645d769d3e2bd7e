package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A standard Kubernetes condition (metav1.Condition), so `kubectl wait --for=condition=…` and GitOps health checks work. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Condition(
    String type,
    String status,
    String reason,
    String message,
    String lastTransitionTime,
    Long observedGeneration) {

  public static final String READY = "Ready";
  public static final String FAILED = "Failed";
  public static final String RUNNING = "Running";
  public static final String TRUE = "True";
  public static final String FALSE = "False";
}
