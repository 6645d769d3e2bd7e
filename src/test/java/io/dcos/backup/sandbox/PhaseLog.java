package io.dcos.backup.sandbox;

import io.dcos.backup.api.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The distinct phases each Backup or Restore went through, in order, as a watcher sees them. */
public final class PhaseLog<T extends HasMetadata> implements Watcher<T> {
  private final Map<String, List<Phase>> phases = new ConcurrentHashMap<>();

  @Override
  public void eventReceived(Action action, T object) {
    Phase phase = ApiObjects.phaseOf(object);
    if (phase == null) {
      return;
    }
    List<Phase> seen = phases.computeIfAbsent(object.getMetadata().getName(),
        k -> Collections.synchronizedList(new ArrayList<>()));
    if (seen.isEmpty() || !Objects.equals(seen.get(seen.size() - 1), phase)) {
      seen.add(phase);
    }
  }

  public List<Phase> of(String name) {
    return phases.getOrDefault(name, List.of());
  }

  @Override
  public void onClose(WatcherException cause) {}
}
