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
  /** The fence alone against a simulator, or a one-instance simulator that has no standby to wait for. */
  public static final FenceOptions SIMULATOR = new FenceOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(30), Duration.ofMillis(50));
  /** The engine against a fast simulator, without Kubernetes (the fault tests). */
  public static final FenceOptions ENGINE = new FenceOptions(Duration.ofSeconds(10), Duration.ofSeconds(20),
      Duration.ofSeconds(20), Duration.ofMillis(25));
  /** A fake Marathon that fails on purpose: nothing will elect in time, so the test waits no longer than it must. */
  public static final FenceOptions FAST_FAILING = new FenceOptions(Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(5), Duration.ofMillis(50));
  /** The fence alone against Marathon's own election in child JVMs: each restart starts a JVM before it rejoins. */
  public static final FenceOptions ELECTION_PROCESSES = new FenceOptions(Duration.ofSeconds(20),
      Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMillis(50));
  /** Backups and restores on old ZooKeeper server releases and Marathon's own election, all in JVMs of their own. */
  public static final FenceOptions RELEASES = new FenceOptions(Duration.ofSeconds(30), Duration.ofSeconds(90),
      Duration.ofSeconds(90), Duration.ofMillis(50));

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
