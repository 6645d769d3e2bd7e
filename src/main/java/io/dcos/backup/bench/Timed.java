package io.dcos.backup.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** What one measured piece of work returned, and how many seconds it took. */
record Timed<T>(T value, double seconds) {

  /** Runs {@code work} after a garbage collection, so that the previous phase's garbage is not charged to it. */
  static <T> Timed<T> time(Callable<T> work) throws Exception {
    System.gc();
    long start = System.nanoTime();
    T value = work.call();
    return new Timed<>(value, (System.nanoTime() - start) / 1e9);
  }

  /** The measurement of median time (the upper one of an even count). */
  static <T extends Timed<?>> T median(List<T> timed) {
    List<T> sorted = new ArrayList<>(timed);
    sorted.sort(Comparator.comparingDouble(Timed::seconds));
    return sorted.get(sorted.size() / 2);
  }
}
