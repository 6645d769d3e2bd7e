package io.dcos.backup.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Samples used heap every 10 ms: the peak of a phase, not a sum of pool peaks taken at different times. */
final class HeapSampler {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private volatile long peak;
  private volatile boolean running = true;
  private final Thread thread = new Thread(this::loop, "bench-heap-sampler");

  void start() {
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      long used = memory.getHeapMemoryUsage().getUsed();
      if (used > peak) {
        peak = used;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  void resetPeak() {
    peak = memory.getHeapMemoryUsage().getUsed();
  }

  long peakMb() {
    return Math.max(peak, memory.getHeapMemoryUsage().getUsed()) >> 20;
  }

  void stop() {
    running = false;
    thread.interrupt();
  }
}
