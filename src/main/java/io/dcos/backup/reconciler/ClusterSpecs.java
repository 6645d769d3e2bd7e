package io.dcos.backup.reconciler;

import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A MarathonCluster's validate step: the connection its spec describes, with its credentials read from the Secrets it
 * names (in the operator's namespace). A spec that cannot be used is refused with an {@link IllegalArgumentException}
 * naming the field.
 */
final class ClusterSpecs {
  /** How long an ACS token that does not say when it expires is used (as the environment's default). */
  private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  /** The operator's environment service (its fence defaults, backup directory, session timeout), or null. */
  private final BackupService environment;
  private final String operatorNamespace;

  ClusterSpecs(BackupService environment, String operatorNamespace) {
    this.environment = environment;
    this.operatorNamespace = operatorNamespace;
  }

  /**
   * The connection {@code spec} describes. {@code references} gets each Secret's and ConfigMap's name and
   * resourceVersion, so that a changed Secret rebuilds the connection. Messages name the Secret and key, never a value.
   */
  TargetConfig targetConfig(String name, MarathonClusterSpec spec, KubernetesClient client, List<String> references) {
    if (spec == null || spec.zookeeper() == null || spec.marathon() == null || spec.marathon().url() == null) {
      throw new IllegalArgumentException("spec.zookeeper and spec.marathon.url are required");
    }
    ZkTarget parsed;
    try {
      parsed = ZkTarget.parse(spec.zookeeper());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.zookeeper: " + e.getMessage(), e);
    }
    if (parsed.digestCredentials().isPresent()) {
      throw new IllegalArgumentException("spec.zookeeper holds credentials: put user:password in a Secret and name "
          + "it in spec.credentials.zookeeperDigest");
    }
    URI marathonUrl;
    try {
      marathonUrl = URI.create(spec.marathon().url());
      if (marathonUrl.getHost() == null || !(marathonUrl.getScheme().equals("http")
          || marathonUrl.getScheme().equals("https"))) {
        throw new IllegalArgumentException("expected http(s)://host[:port][/path]");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.marathon.url \"" + spec.marathon().url() + "\": " + e.getMessage(), e);
    }
    ClusterReferences secrets = new ClusterReferences(client, operatorNamespace, references);
    MarathonClusterSpec.Credentials credentials = spec.credentials();
    Optional<String> digest = Optional.empty();
    if (credentials != null && credentials.zookeeperDigest() != null) {
      String value = secrets.secretValue(credentials.zookeeperDigest(), "credentials.zookeeperDigest");
      if (!value.contains(":")) {
        throw new IllegalArgumentException("spec.credentials.zookeeperDigest: key " + credentials.zookeeperDigest()
            .key() + " of Secret " + credentials.zookeeperDigest().name() + " must hold user:password");
      }
      digest = Optional.of(value.trim());
    }
    TlsTrust trust = ClusterCaBundle.trust(spec.caBundle(), secrets);
    MarathonCredentials marathon = marathonCredentials(credentials, secrets, trust);
    FenceOptions fenceOptions = fenceOptions(spec.fence());
    // Its own working directory: see ClusterArchives (the archives themselves are kept in the backup directory).
    Path backupDirectory = ClusterArchives.workingDirectory(environment != null
        ? environment.config().backupDirectory() : Path.of("/var/lib/marathon-backup"), name);
    TargetConfig config = TargetConfig.of(new ZkTarget(parsed.connectString(), parsed.path(), digest), marathonUrl,
        marathon, backupDirectory).withFence(fenceOptions).withMarathonTrust(trust);
    if (environment != null) {
      config = config.withZkSessionTimeout(environment.config().zkSessionTimeout());
    }
    return config;
  }

  private static MarathonCredentials marathonCredentials(MarathonClusterSpec.Credentials credentials,
      ClusterReferences secrets, TlsTrust trust) {
    if (credentials == null) {
      return MarathonCredentials.none();
    }
    int ways = (credentials.serviceAccount() != null ? 1 : 0) + (credentials.token() != null ? 1 : 0)
        + (credentials.basicAuth() != null ? 1 : 0);
    if (ways > 1) {
      throw new IllegalArgumentException("spec.credentials: set only one of serviceAccount, token or basicAuth");
    }
    if (credentials.serviceAccount() != null) {
      String json = secrets.secretValue(credentials.serviceAccount(), "credentials.serviceAccount");
      ServiceAccountCredential account;
      try {
        account = ServiceAccountCredential.parse(json);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("spec.credentials.serviceAccount (Secret " + credentials.serviceAccount()
            .name() + ", key " + credentials.serviceAccount().key() + "): " + e.getMessage(), e);
      }
      return MarathonCredentials.serviceAccount(new AcsLogin(account, trust, Duration.ofSeconds(10),
          TOKEN_LIFETIME, Clock.systemUTC()));
    } else if (credentials.token() != null) {
      return MarathonCredentials.token(secrets.secretValue(credentials.token(), "credentials.token").trim());
    } else if (credentials.basicAuth() != null) {
      Secret secret = secrets.secret(credentials.basicAuth().name(), "credentials.basicAuth");
      return MarathonCredentials.basic(ClusterReferences.key(secret, "username", "credentials.basicAuth"),
          ClusterReferences.key(secret, "password", "credentials.basicAuth"));
    }
    return MarathonCredentials.none();
  }

  /** The spec's timeouts over the environment's (or the built-in) defaults; the poll interval is always theirs. */
  private FenceOptions fenceOptions(MarathonClusterSpec.Fence fence) {
    FenceOptions defaults = environment != null ? environment.config().fence() : FenceOptions.defaults();
    return fence == null ? defaults : new FenceOptions(
        seconds(fence.abdicationTimeoutSeconds(), defaults.abdicationTimeout()),
        seconds(fence.acquireTimeoutSeconds(), defaults.acquireTimeout()),
        seconds(fence.recoveryTimeoutSeconds(), defaults.recoveryTimeout()),
        defaults.pollInterval());
  }

  private static Duration seconds(Long value, Duration otherwise) {
    return value == null ? otherwise : Duration.ofSeconds(value);
  }
}
