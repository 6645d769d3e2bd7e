package io.dcos.backup.testing;

import io.dcos.backup.marathon.FenceOptions;
import java.time.Duration;

/**
 * The fence timeouts tests run with, in one place: short enough that a stuck fence fails a test in seconds, long
 * enough for a loaded CI machine. Tests that probe one timeout derive it from a preset with the {@code with*}
 * methods.
 */
public final class TestFences {
  /** An embedded world: a simulator restarting in about a second, under a Kubernetes API and an operator. */
  public static final FenceOptions SANDBOX = new FenceOptions(Duration.ofSeconds(20), Duration.ofSeconds(60),
      Duration.ofSeconds(60), Duration.ofMillis(50));
  /** The fence alone against a simulator. */
  public static final FenceOptions SIMULATOR = new FenceOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(30), Duration.ofMillis(50));
  /** The engine against a fast simulator, without Kubernetes (the fault tests). */
  public static final FenceOptions ENGINE = new FenceOptions(Duration.ofSeconds(10), Duration.ofSeconds(20),
      Duration.ofSeconds(20), Duration.ofMillis(25));

  private TestFences() {}

  public static FenceOptions withAbdication(FenceOptions base, Duration abdicationTimeout) {
    return new FenceOptions(abdicationTimeout, base.acquireTimeout(), base.recoveryTimeout(), base.pollInterval());
  }

  public static FenceOptions withRecovery(FenceOptions base, Duration recoveryTimeout) {
    return new FenceOptions(base.abdicationTimeout(), base.acquireTimeout(), recoveryTimeout, base.pollInterval());
  }

  public static FenceOptions withPollInterval(FenceOptions base, Duration pollInterval) {
    return new FenceOptions(base.abdicationTimeout(), base.acquireTimeout(), base.recoveryTimeout(), pollInterval);
  }
}
