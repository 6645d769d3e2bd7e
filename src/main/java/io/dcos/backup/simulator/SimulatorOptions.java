package io.dcos.backup.simulator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * @param restartDelay  how long an exited instance stays down before its supervisor restarts it (DC/OS: 15 s)
 * @param writeInterval how often the leader writes instance updates to {@code <zk>/state}
 * @param exitDelay     how long after accepting {@code DELETE /v2/leader} the leader exits (Marathon: ~500 ms)
 * @param zkDigest      {@code user:pass}: ZooKeeper digest auth, nodes created with CREATOR_ALL_ACL
 * @param basicAuth     {@code user:pass}: if set, {@code /v2/*} answers 401 without these basic credentials
 */
public record SimulatorOptions(Duration restartDelay, Duration writeInterval, Duration exitDelay,
                               Optional<String> zkDigest, Optional<String> basicAuth) {

  public SimulatorOptions {
    Objects.requireNonNull(restartDelay, "restartDelay");
    Objects.requireNonNull(writeInterval, "writeInterval");
    Objects.requireNonNull(exitDelay, "exitDelay");
    zkDigest = zkDigest == null ? Optional.empty() : zkDigest;
    basicAuth = basicAuth == null ? Optional.empty() : basicAuth;
    if (writeInterval.isZero() || writeInterval.isNegative()) {
      throw new IllegalArgumentException("writeInterval must be positive");
    }
  }

  /** Faster than DC/OS (restart after 1 s instead of 15 s) so tests and the sandbox stay quick. */
  public static SimulatorOptions defaults() {
    return new SimulatorOptions(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(500),
        Optional.empty(), Optional.empty());
  }

  public SimulatorOptions withRestartDelay(Duration d) {
    return new SimulatorOptions(d, writeInterval, exitDelay, zkDigest, basicAuth);
  }

  public SimulatorOptions withWriteInterval(Duration d) {
    return new SimulatorOptions(restartDelay, d, exitDelay, zkDigest, basicAuth);
  }

  public SimulatorOptions withExitDelay(Duration d) {
    return new SimulatorOptions(restartDelay, writeInterval, d, zkDigest, basicAuth);
  }

  public SimulatorOptions withZkDigest(String userPass) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, Optional.of(userPass), basicAuth);
  }

  public SimulatorOptions withBasicAuth(String userPass) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, zkDigest, Optional.of(userPass));
  }

  @Override
  public String toString() {
    return "SimulatorOptions[restartDelay=" + restartDelay + ", writeInterval=" + writeInterval + ", exitDelay="
        + exitDelay + ", zkDigest=" + zkDigest.map(x -> "****").orElse("none") + ", basicAuth="
        + basicAuth.map(x -> "****").orElse("none") + "]";
  }
}
