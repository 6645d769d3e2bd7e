package io.dcos.backup.operator;

import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The cluster admin's configuration, from the environment (a ConfigMap for locations, a Secret for credentials):
 * whoever may create a Backup cannot point the operator at another Marathon.
 */
public record OperatorSettings(TargetConfig target, Set<String> namespaces, Optional<String> leaderElectionNamespace,
    int managementPort, boolean serverSideApply, String recoveryNamespace, Duration recoveryInterval) {

  /** Where Backup objects recovered from archives are created when RECOVERY_NAMESPACE is not set. */
  static final String DEFAULT_RECOVERY_NAMESPACE = "marathon-backup";
  /**
   * How long an ACS token that does not say when it expires is used (DC/OS's are JWTs with {@code exp}, and a 401
   * triggers a new login anyway).
   */
  static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    String zkUrl = required(env, "MARATHON_ZK", "Marathon's --zk URL, e.g. zk://zk-1:2181,zk-2:2181/marathon");
    String marathonUrl = required(env, "MARATHON_URL", "Marathon's HTTP URL, e.g. http://marathon.mesos:8080");
    ZkTarget parsed = ZkTarget.parse(zkUrl);
    Optional<String> digest = parsed.digestCredentials();
    String zkUser = env.get("ZK_USERNAME");
    if (zkUser != null && !zkUser.isBlank()) {
      digest = Optional.of(zkUser + ":" + env.getOrDefault("ZK_PASSWORD", ""));
    }
    ZkTarget zookeeper = new ZkTarget(parsed.connectString(), parsed.path(), digest);
    TlsTrust trust = trust(env);
    MarathonCredentials credentials = MarathonCredentials.none();
    if (notBlank(env.get("MARATHON_SERVICE_ACCOUNT_FILE"))) {
      if (notBlank(env.get("MARATHON_TOKEN")) || notBlank(env.get("MARATHON_USERNAME"))) {
        throw new IllegalArgumentException("environment variable MARATHON_SERVICE_ACCOUNT_FILE is set together with "
            + (notBlank(env.get("MARATHON_TOKEN")) ? "MARATHON_TOKEN" : "MARATHON_USERNAME")
            + ": set only one way of authenticating to Marathon");
      }
      credentials = MarathonCredentials.serviceAccount(new AcsLogin(serviceAccount(env), trust,
          Duration.ofSeconds(10), seconds(env, "MARATHON_TOKEN_LIFETIME_SECONDS", DEFAULT_TOKEN_LIFETIME),
          Clock.systemUTC()));
    } else if (notBlank(env.get("MARATHON_TOKEN"))) {
      credentials = MarathonCredentials.token(env.get("MARATHON_TOKEN"));
    } else if (notBlank(env.get("MARATHON_USERNAME"))) {
      credentials = MarathonCredentials.basic(env.get("MARATHON_USERNAME"), env.getOrDefault("MARATHON_PASSWORD", ""));
    }
    Path backupDir = Path.of(env.getOrDefault("BACKUP_DIR", "/var/lib/marathon-backup"));
    Set<String> namespaces = Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
    Optional<String> leaderElection = Optional.ofNullable(env.get("LEADER_ELECTION_NAMESPACE")).filter(s -> !s.isBlank());
    int managementPort = Integer.parseInt(env.getOrDefault("MANAGEMENT_PORT", "8080"));
    // Off only against API servers without server-side apply (Fabric8's mock, in tests).
    boolean serverSideApply = !"false".equalsIgnoreCase(env.getOrDefault("OPERATOR_SSA", "true").trim());
    TargetConfig target = TargetConfig.of(zookeeper, URI.create(marathonUrl), credentials, backupDir)
        .withMarathonTrust(trust);
    if (notBlank(env.get("ZK_SESSION_TIMEOUT_SECONDS"))) {
      // How long a killed operator's fence and lock outlive it: ZooKeeper drops them with its session.
      target = target.withZkSessionTimeout(Duration.ofSeconds(Long.parseLong(env.get("ZK_SESSION_TIMEOUT_SECONDS")
          .trim())));
    }
    // How long the fence waits for Marathon: raise them for a Marathon that takes longer to leave the election or to
    // load its state after a restart (DC/OS restarts it 15 s after it exits).
    FenceOptions defaults = FenceOptions.defaults();
    target = target.withFence(new FenceOptions(
        seconds(env, "FENCE_ABDICATION_TIMEOUT_SECONDS", defaults.abdicationTimeout()),
        seconds(env, "FENCE_ACQUIRE_TIMEOUT_SECONDS", defaults.acquireTimeout()),
        seconds(env, "FENCE_RECOVERY_TIMEOUT_SECONDS", defaults.recoveryTimeout()),
        defaults.pollInterval()));
    String recoveryNamespace = notBlank(env.get("RECOVERY_NAMESPACE")) ? env.get("RECOVERY_NAMESPACE").trim()
        : Optional.ofNullable(env.get("POD_NAMESPACE")).filter(OperatorSettings::notBlank)
            .orElse(DEFAULT_RECOVERY_NAMESPACE);
    Duration recoveryInterval = Duration.ofSeconds(Long.parseLong(env.getOrDefault("RECOVERY_INTERVAL_SECONDS",
        "300").trim()));
    return new OperatorSettings(target, namespaces, leaderElection, managementPort, serverSideApply,
        recoveryNamespace, recoveryInterval);
  }

  /**
   * MARATHON_CA_FILE: a PEM bundle (DC/OS's dcos-ca.crt, mounted from a ConfigMap or Secret) that HTTPS to Marathon,
   * Admin Router and the login endpoint trusts instead of the JVM's CAs.
   */
  private static TlsTrust trust(Map<String, String> env) {
    String file = env.get("MARATHON_CA_FILE");
    if (!notBlank(file)) {
      return TlsTrust.jvmDefault("set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt, from https://<master>/ca/"
          + "dcos-ca.crt)");
    }
    try {
      return TlsTrust.fromPemFile(Path.of(file.trim()), "it is not signed by that CA: set MARATHON_CA_FILE to this "
          + "cluster's CA (dcos-ca.crt, from https://<master>/ca/dcos-ca.crt)");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("environment variable MARATHON_CA_FILE: " + e.getMessage(), e);
    }
  }

  /** MARATHON_SERVICE_ACCOUNT_FILE: the service account's credential JSON, mounted from a Secret. */
  private static ServiceAccountCredential serviceAccount(Map<String, String> env) {
    Path file = Path.of(env.get("MARATHON_SERVICE_ACCOUNT_FILE").trim());
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("environment variable MARATHON_SERVICE_ACCOUNT_FILE: cannot read " + file
          + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
    }
    try {
      return ServiceAccountCredential.parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("environment variable MARATHON_SERVICE_ACCOUNT_FILE (" + file + "): "
          + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> env, String name, String what) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("environment variable " + name + " is not set: " + what);
    }
    return value;
  }

  /** Longest fence wait accepted: a day (and far from overflowing a nanosecond deadline). */
  static final long MAX_WAIT_SECONDS = 86_400;

  /** A whole number of seconds from 1 to {@link #MAX_WAIT_SECONDS}; unset or blank: {@code otherwise}. */
  static Duration seconds(Map<String, String> env, String name, Duration otherwise) {
    String value = env.get(name);
    if (!notBlank(value)) {
      return otherwise;
    }
    long seconds;
    try {
      seconds = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > MAX_WAIT_SECONDS) {
      throw new IllegalArgumentException("environment variable " + name + " must be a whole number of seconds from 1 "
          + "to " + MAX_WAIT_SECONDS + ", not \"" + value + "\" (unset: " + otherwise.toSeconds() + ")");
    }
    return Duration.ofSeconds(seconds);
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }
}
