package io.dcos.backup.simulator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * @param restartDelay  how long an exited instance stays down before its supervisor restarts it (DC/OS: 15 s)
 * @param writeInterval how often the leader writes instance updates to {@code <zk>/state}
 * @param exitDelay     how long after accepting {@code DELETE /v2/leader} the leader exits (Marathon: ~500 ms)
 * @param zkDigest      {@code user:pass}: ZooKeeper digest auth, nodes created with CREATOR_ALL_ACL
 * @param basicAuth     {@code user:pass}: if set, {@code /v2/*} answers 401 without these basic credentials
 * @param tls           if set, every instance serves HTTPS only, with this context's key; it must also trust that
 *                      key's CA, since standbys proxy to the leader over HTTPS
 * @param tokenCheck    if set, {@code /v2/*} answers 401 unless {@code Authorization: token=<t>} carries a token
 *                      this accepts (an ACS token that is current: DC/OS Enterprise); basic credentials, if also set,
 *                      are accepted too
 * @param instancesPerWrite how many instances the leader updates every {@code writeInterval}, taking its instances
 *                      in turn (status updates arriving one by one); 0: all of them each time
 */
public record SimulatorOptions(Duration restartDelay, Duration writeInterval, Duration exitDelay,
                               Optional<String> zkDigest, Optional<String> basicAuth, Optional<SSLContext> tls,
                               Optional<Predicate<String>> tokenCheck, int instancesPerWrite) {

  /** Every instance updated each {@code writeInterval}. */
  public SimulatorOptions(Duration restartDelay, Duration writeInterval, Duration exitDelay,
                          Optional<String> zkDigest, Optional<String> basicAuth, Optional<SSLContext> tls,
                          Optional<Predicate<String>> tokenCheck) {
    this(restartDelay, writeInterval, exitDelay, zkDigest, basicAuth, tls, tokenCheck, 0);
  }

  /** Plain HTTP, no token check. */
  public SimulatorOptions(Duration restartDelay, Duration writeInterval, Duration exitDelay,
                          Optional<String> zkDigest, Optional<String> basicAuth) {
    this(restartDelay, writeInterval, exitDelay, zkDigest, basicAuth, Optional.empty(), Optional.empty());
  }

  public SimulatorOptions {
    Objects.requireNonNull(restartDelay, "restartDelay");
    Objects.requireNonNull(writeInterval, "writeInterval");
    Objects.requireNonNull(exitDelay, "exitDelay");
    zkDigest = zkDigest == null ? Optional.empty() : zkDigest;
    basicAuth = basicAuth == null ? Optional.empty() : basicAuth;
    tls = tls == null ? Optional.empty() : tls;
    tokenCheck = tokenCheck == null ? Optional.empty() : tokenCheck;
    if (writeInterval.isZero() || writeInterval.isNegative()) {
      throw new IllegalArgumentException("writeInterval must be positive");
    }
    if (instancesPerWrite < 0) {
      throw new IllegalArgumentException("instancesPerWrite must not be negative");
    }
  }

  /** Faster than DC/OS (restart after 1 s instead of 15 s) so tests and the sandbox stay quick. */
  public static SimulatorOptions defaults() {
    return new SimulatorOptions(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(500),
        Optional.empty(), Optional.empty());
  }

  public SimulatorOptions withRestartDelay(Duration d) {
    return new SimulatorOptions(d, writeInterval, exitDelay, zkDigest, basicAuth, tls, tokenCheck,
        instancesPerWrite);
  }

  public SimulatorOptions withWriteInterval(Duration d) {
    return new SimulatorOptions(restartDelay, d, exitDelay, zkDigest, basicAuth, tls, tokenCheck,
        instancesPerWrite);
  }

  public SimulatorOptions withExitDelay(Duration d) {
    return new SimulatorOptions(restartDelay, writeInterval, d, zkDigest, basicAuth, tls, tokenCheck,
        instancesPerWrite);
  }

  public SimulatorOptions withZkDigest(String userPass) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, Optional.of(userPass), basicAuth, tls,
        tokenCheck, instancesPerWrite);
  }

  public SimulatorOptions withBasicAuth(String userPass) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, zkDigest, Optional.of(userPass), tls,
        tokenCheck, instancesPerWrite);
  }

  /** HTTPS only, with {@code context}'s key (see {@link #tls}). */
  public SimulatorOptions withTls(SSLContext context) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, zkDigest, basicAuth, Optional.of(context),
        tokenCheck, instancesPerWrite);
  }

  /** {@code /v2/*} only with {@code Authorization: token=<t>} for which {@code check} is true. */
  public SimulatorOptions withTokenCheck(Predicate<String> check) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, zkDigest, basicAuth, tls, Optional.of(check),
        instancesPerWrite);
  }

  /** The leader updates {@code n} of its instances every write interval, in turn; 0: all of them. */
  public SimulatorOptions withInstancesPerWrite(int n) {
    return new SimulatorOptions(restartDelay, writeInterval, exitDelay, zkDigest, basicAuth, tls, tokenCheck, n);
  }

  /** {@code https} with {@link #tls}, else {@code http}. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }

  @Override
  public String toString() {
    return "SimulatorOptions[restartDelay=" + restartDelay + ", writeInterval=" + writeInterval + ", exitDelay="
        + exitDelay + ", zkDigest=" + zkDigest.map(x -> "****").orElse("none") + ", basicAuth="
        + basicAuth.map(x -> "****").orElse("none") + ", tls=" + tls.isPresent() + ", tokenCheck="
        + tokenCheck.isPresent() + ", instancesPerWrite=" + instancesPerWrite + "]";
  }
}
