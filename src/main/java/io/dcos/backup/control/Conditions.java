package io.dcos.backup.control;

import io.dcos.backup.api.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Kubernetes condition bookkeeping: lastTransitionTime moves only when a condition's status does. */
public final class Conditions {
  private Conditions() {}

  /** Where a one-shot operation stands; each maps to the Ready / Failed / Running triple users wait on. */
  public enum Stage { RUNNING, READY, FAILED }

  public static List<Condition> lifecycle(List<Condition> existing, Stage stage, String reason, String message,
      Long generation, Instant now) {
    List<Condition> result = set(existing, Condition.READY, stage == Stage.READY, reason, message, generation, now);
    result = set(result, Condition.FAILED, stage == Stage.FAILED, reason, message, generation, now);
    return set(result, Condition.RUNNING, stage == Stage.RUNNING, reason, message, generation, now);
  }

  public static List<Condition> set(List<Condition> existing, String type, boolean value, String reason, String message,
      Long generation, Instant now) {
    List<Condition> result = new ArrayList<>(existing == null ? List.of() : existing);
    String status = value ? Condition.TRUE : Condition.FALSE;
    Condition previous = result.stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
    String transitionTime = previous != null && Objects.equals(previous.status(), status)
        ? previous.lastTransitionTime()
        : Times.format(now);
    Condition updated = new Condition(type, status, reason, message, transitionTime, generation);
    if (previous == null) {
      result.add(updated);
    } else {
      result.set(result.indexOf(previous), updated);
    }
    return List.copyOf(result);
  }
}
