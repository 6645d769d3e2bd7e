package io.dcos.backup.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The busy leader's steady write load: Marathon keeps its instances' state current in ZooKeeper. Each run writes
 * every instance, or the next {@code instancesPerWrite} of them in turn, and only while the lifetime leads.
 */
final class InstanceWriter implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(InstanceWriter.class);

  private final MarathonLifetime lifetime;
  private final MarathonState state;
  private final int instancesPerWrite;
  private final AtomicLong writes;
  /** Which instance the next run updates first when it takes them in turn. */
  private int nextInstance;

  InstanceWriter(MarathonLifetime lifetime, MarathonState state, int instancesPerWrite, AtomicLong writes) {
    this.lifetime = lifetime;
    this.state = state;
    this.instancesPerWrite = instancesPerWrite;
    this.writes = writes;
  }

  @Override
  public void run() {
    try {
      lifetime.whileLeading(() -> {
        writeNext();
        return null;
      });
    } catch (Exception e) {
      LOG.debug("marathon {}: instance update failed: {}", lifetime.hostPort(), e.toString());
    }
  }

  private void writeNext() throws Exception {
    List<Map.Entry<String, String>> list = state.instances();
    if (instancesPerWrite > 0 && !list.isEmpty()) {
      List<Map.Entry<String, String>> next = new ArrayList<>();
      for (int i = 0; i < Math.min(instancesPerWrite, list.size()); i++) {
        next.add(list.get(Math.floorMod(nextInstance++, list.size())));
      }
      list = next;
    }
    String now = MarathonLayout.version(Instant.now());
    for (Map.Entry<String, String> e : list) {
      state.writeInstance(e.getKey(), e.getValue(), now);
      writes.incrementAndGet();
    }
  }
}
