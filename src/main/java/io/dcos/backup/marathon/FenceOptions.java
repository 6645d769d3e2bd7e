package io.dcos.backup.marathon;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the fence's waits.
 *
 * @param abdicationTimeout how long one Marathon leader may take to leave the election after {@code DELETE /v2/leader}
 * @param acquireTimeout    bound of the whole {@link MarathonFence#acquire} (all abdications together)
 * @param recoveryTimeout   how long {@link MarathonFence#release()} waits for Marathon to be elected again
 * @param pollInterval      how often ZooKeeper and Marathon are polled while waiting
 */
public record FenceOptions(Duration abdicationTimeout, Duration acquireTimeout, Duration recoveryTimeout,
                           Duration pollInterval) {

  public FenceOptions {
    requirePositive(abdicationTimeout, "abdicationTimeout");
    requirePositive(acquireTimeout, "acquireTimeout");
    requirePositive(recoveryTimeout, "recoveryTimeout");
    requirePositive(pollInterval, "pollInterval");
  }

  /**
   * DC/OS restarts Marathon 15 s after it exits and a leader loads its state before it serves: 30 s for one
   * abdication, 2 min for all of them and 3 min for recovery leave room for three masters.
   */
  public static FenceOptions defaults() {
    return new FenceOptions(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(3),
        Duration.ofMillis(100));
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }
}
