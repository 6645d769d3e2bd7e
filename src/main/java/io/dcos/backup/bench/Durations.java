package io.dcos.backup.bench;

import java.time.Duration;
import java.util.List;

/** What the bench reports of repeated runs. */
final class Durations {
  private Durations() {}

  /** The middle run (of an even number, the slower of the two middle ones). */
  static Duration median(List<Duration> runs) {
    List<Duration> sorted = runs.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
