package io.dcos.backup.reconciler;

import io.dcos.backup.control.Conditions;
import io.dcos.backup.control.Failures;
import io.dcos.backup.control.Times;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.api.MarathonClusterStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.ClusterArchives;
import io.dcos.backup.engine.ClusterProbe;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a MarathonCluster: observe (the spec and the Secrets it names) → validate (build the connection; a missing
 * Secret or a bad URL is InvalidSpec) → act (register it, so Backups and Restores naming it find it; look at ZooKeeper
 * and Marathon without touching {@code <zk>/state}) → status, patched only when it changed; again every
 * {@code interval}. Deleting the object unregisters it: operations still queued for it fail when their turn comes.
 */
@ControllerConfiguration(name = "marathoncluster")
public final class MarathonClusterReconciler implements Reconciler<MarathonCluster>, Cleaner<MarathonCluster> {
  private static final Logger log = LoggerFactory.getLogger(MarathonClusterReconciler.class);
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
  /** An unreachable (or invalid) cluster is looked at again at least this often. */
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(10);
  /** How long an ACS token that does not say when it expires is used (as the environment's default). */
  private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  private final MarathonClusters clusters;
  /** The service built from the operator's environment: what the {@code default} cluster created from it uses. */
  private final BackupService environment;
  private final String operatorNamespace;
  private final Clock clock;
  private final Duration interval;
  /** Where Backups naming a cluster can be: the namespaces the operator watches (empty: all). */
  private final Set<String> backupNamespaces;

  public MarathonClusterReconciler(MarathonClusters clusters, BackupService environment, String operatorNamespace,
      Clock clock, Duration interval) {
    this(clusters, environment, operatorNamespace, clock, interval, Set.of());
  }

  public MarathonClusterReconciler(MarathonClusters clusters, BackupService environment, String operatorNamespace,
      Clock clock, Duration interval, Set<String> backupNamespaces) {
    this.clusters = clusters;
    this.environment = environment;
    this.operatorNamespace = operatorNamespace;
    this.clock = clock;
    this.interval = interval;
    this.backupNamespaces = backupNamespaces.isEmpty() ? Constants.WATCH_ALL_NAMESPACE_SET : backupNamespaces;
  }

  /**
   * A Backup that becomes STATUS_READY, or a ready one that is deleted, wakes the cluster it names, so that
   * status.lastSuccessfulBackup says so now rather than at the next periodic check. A running backup's progress wakes
   * nothing.
   */
  @Override
  public List<EventSource<?, MarathonCluster>> prepareEventSources(EventSourceContext<MarathonCluster> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Backup.class, MarathonCluster.class)
        .withName("cluster-backups")
        .withNamespaces(backupNamespaces)
        .withSecondaryToPrimaryMapper((Backup backup) -> backup.getSpec() == null ? Set.of()
            : Set.of(new ResourceID(backup.getSpec().clusterOrDefault(), operatorNamespace)))
        .withOnAddFilter(MarathonClusterReconciler::isReady)
        .withOnUpdateFilter((now, before) -> isReady(now) && !isReady(before))
        .withOnDeleteFilter((backup, unknownState) -> isReady(backup))
        .build(), context));
  }

  private static boolean isReady(Backup backup) {
    return backup.getStatus() != null && backup.getStatus().phase() == Phase.STATUS_READY;
  }

  /**
   * The operator's environment configuration as the MarathonCluster {@code default}, created when absent, so that
   * installations and YAML from before MarathonCluster keep working: every namespace may use it, as before, and its
   * credentials stay where the environment has them (the object names no Secret).
   */
  public static void createDefaultIfAbsent(KubernetesClient client, String namespace, TargetConfig config) {
    var resource = client.resources(MarathonCluster.class).inNamespace(namespace)
        .withName(MarathonCluster.DEFAULT_NAME);
    try {
      if (resource.get() != null) {
        return;
      }
      MarathonCluster cluster = new MarathonCluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(MarathonCluster.DEFAULT_NAME).withNamespace(namespace)
          .withAnnotations(Map.of(MarathonCluster.FROM_ENVIRONMENT, "true")).build());
      ZkTarget zk = config.zookeeper();
      FenceOptions fence = config.fence();
      cluster.setSpec(new MarathonClusterSpec("zk://" + zk.connectString() + zk.path(),
          new MarathonClusterSpec.Endpoint(config.marathonUrl().toString()), null, null,
          new MarathonClusterSpec.Fence(fence.abdicationTimeout().toSeconds(), fence.acquireTimeout().toSeconds(),
              fence.recoveryTimeout().toSeconds()),
          null, List.of(MarathonClusters.ANY_NAMESPACE)));
      client.resource(cluster).create();
      log.info("created MarathonCluster {}/{} from the operator's environment ({} at {})", namespace,
          MarathonCluster.DEFAULT_NAME, config.marathonUrl(), zk);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.warn("could not create MarathonCluster {}/{} from the environment: {}", namespace,
            MarathonCluster.DEFAULT_NAME, Failures.message(e));
      }
    }
  }

  @Override
  public UpdateControl<MarathonCluster> reconcile(MarathonCluster cluster, Context<MarathonCluster> context) {
    String name = cluster.getMetadata().getName();
    MarathonClusterSpec spec = cluster.getSpec();
    Set<String> allowed = allowedNamespaces(spec);
    String storageLocation = spec == null ? null : spec.storageLocation();
    MarathonClusters.Cluster registered;
    if (fromEnvironment(cluster)) {
      registered = clusters.registerExternal(name, environment, allowed, storageLocation);
    } else {
      List<String> references = new ArrayList<>();
      TargetConfig config;
      try {
        config = targetConfig(name, spec, context.getClient(), references);
      } catch (IllegalArgumentException e) {
        clusters.unusable(name, null, allowed, e.getMessage());
        return patchIfChanged(context, cluster, status(context.getClient(), cluster, false, "InvalidSpec", e.getMessage(), null));
      }
      String fingerprint = spec + "|" + String.join(",", references);
      TargetConfig built = config;
      registered = clusters.register(name, fingerprint, allowed, storageLocation, () -> new BackupService(built));
    }
    ClusterProbe.Result probe;
    try {
      probe = ClusterProbe.check(registered.service().config());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UpdateControl.noUpdate();
    }
    String message = probe.reachable()
        ? "ZooKeeper " + probe.zookeeperServer() + " and Marathon " + probe.marathonVersion() + " answered"
            + (probe.leader() == null ? "; Marathon has no leader" : "; leader " + probe.leader())
        : probe.problem();
    return patchIfChanged(context, cluster,
        status(context.getClient(), cluster, probe.reachable(), probe.reachable() ? "Reachable" : "Unreachable", message, probe));
  }

  @Override
  public DeleteControl cleanup(MarathonCluster cluster, Context<MarathonCluster> context) {
    clusters.remove(cluster.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  private boolean fromEnvironment(MarathonCluster cluster) {
    var annotations = cluster.getMetadata().getAnnotations();
    return environment != null && MarathonCluster.DEFAULT_NAME.equals(cluster.getMetadata().getName())
        && annotations != null && "true".equals(annotations.get(MarathonCluster.FROM_ENVIRONMENT));
  }

  /** Unset or empty: only the operator's own namespace. */
  private Set<String> allowedNamespaces(MarathonClusterSpec spec) {
    if (spec == null || spec.allowedNamespaces() == null || spec.allowedNamespaces().isEmpty()) {
      return Set.of(operatorNamespace);
    }
    return new LinkedHashSet<>(spec.allowedNamespaces().stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
  }

  /**
   * The connection a spec describes, with its credentials read from the Secrets it names (in the operator's
   * namespace). {@code references} gets each Secret's and ConfigMap's name and resourceVersion, so that a changed
   * Secret rebuilds the connection. Messages name the Secret and key, never a value.
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
    MarathonClusterSpec.Credentials credentials = spec.credentials();
    Optional<String> digest = Optional.empty();
    if (credentials != null && credentials.zookeeperDigest() != null) {
      String value = secretValue(client, credentials.zookeeperDigest(), references, "credentials.zookeeperDigest");
      if (!value.contains(":")) {
        throw new IllegalArgumentException("spec.credentials.zookeeperDigest: key " + credentials.zookeeperDigest()
            .key() + " of Secret " + credentials.zookeeperDigest().name() + " must hold user:password");
      }
      digest = Optional.of(value.trim());
    }
    TlsTrust trust = trust(spec.caBundle(), client, references);
    MarathonCredentials marathon = MarathonCredentials.none();
    if (credentials != null) {
      int ways = (credentials.serviceAccount() != null ? 1 : 0) + (credentials.token() != null ? 1 : 0)
          + (credentials.basicAuth() != null ? 1 : 0);
      if (ways > 1) {
        throw new IllegalArgumentException("spec.credentials: set only one of serviceAccount, token or basicAuth");
      }
      if (credentials.serviceAccount() != null) {
        String json = secretValue(client, credentials.serviceAccount(), references, "credentials.serviceAccount");
        ServiceAccountCredential account;
        try {
          account = ServiceAccountCredential.parse(json);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("spec.credentials.serviceAccount (Secret " + credentials.serviceAccount()
              .name() + ", key " + credentials.serviceAccount().key() + "): " + e.getMessage(), e);
        }
        marathon = MarathonCredentials.serviceAccount(new AcsLogin(account, trust, Duration.ofSeconds(10),
            TOKEN_LIFETIME, Clock.systemUTC()));
      } else if (credentials.token() != null) {
        marathon = MarathonCredentials.token(secretValue(client, credentials.token(), references, "credentials.token")
            .trim());
      } else if (credentials.basicAuth() != null) {
        Secret secret = secret(client, credentials.basicAuth().name(), references, "credentials.basicAuth");
        marathon = MarathonCredentials.basic(key(secret, "username", "credentials.basicAuth"),
            key(secret, "password", "credentials.basicAuth"));
      }
    }
    FenceOptions defaults = environment != null ? environment.config().fence() : FenceOptions.defaults();
    MarathonClusterSpec.Fence fence = spec.fence();
    FenceOptions fenceOptions = fence == null ? defaults : new FenceOptions(
        seconds(fence.abdicationTimeoutSeconds(), defaults.abdicationTimeout()),
        seconds(fence.acquireTimeoutSeconds(), defaults.acquireTimeout()),
        seconds(fence.recoveryTimeoutSeconds(), defaults.recoveryTimeout()),
        defaults.pollInterval());
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

  private static Duration seconds(Long value, Duration otherwise) {
    return value == null ? otherwise : Duration.ofSeconds(value);
  }

  private TlsTrust trust(MarathonClusterSpec.CaBundle bundle, KubernetesClient client, List<String> references) {
    if (bundle == null) {
      return TlsTrust.jvmDefault("set spec.caBundle to the cluster CA (dcos-ca.crt, from https://<master>/ca/"
          + "dcos-ca.crt)");
    }
    String pem;
    String source;
    if ((bundle.configMap() == null) == (bundle.secret() == null)) {
      throw new IllegalArgumentException("spec.caBundle: set exactly one of configMap or secret");
    }
    if (bundle.configMap() != null) {
      source = "ConfigMap " + bundle.configMap();
      ConfigMap map = client.configMaps().inNamespace(operatorNamespace).withName(bundle.configMap()).get();
      if (map == null) {
        throw new IllegalArgumentException("spec.caBundle: ConfigMap " + bundle.configMap() + " not found in "
            + "namespace " + operatorNamespace);
      }
      references.add("configmap/" + bundle.configMap() + "@" + map.getMetadata().getResourceVersion());
      pem = map.getData() == null ? null : map.getData().get(bundle.keyOrDefault());
      if (pem == null) {
        throw new IllegalArgumentException("spec.caBundle: ConfigMap " + bundle.configMap() + " has no key "
            + bundle.keyOrDefault());
      }
    } else {
      source = "Secret " + bundle.secret();
      Secret secret = secret(client, bundle.secret(), references, "caBundle");
      pem = key(secret, bundle.keyOrDefault(), "caBundle");
    }
    Path file = null;
    try {
      file = Files.createTempFile("marathon-cluster-ca", ".pem");
      Files.writeString(file, pem, StandardCharsets.UTF_8);
      return TlsTrust.fromPemFile(file, "it is not signed by the CA of spec.caBundle (" + source + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException("spec.caBundle: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.caBundle (" + source + ", key " + bundle.keyOrDefault() + "): "
          + e.getMessage().replace(String.valueOf(file), "it"), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file of a public CA certificate
        }
      }
    }
  }

  private String secretValue(KubernetesClient client, MarathonClusterSpec.SecretKeyRef ref, List<String> references,
      String field) {
    return key(secret(client, ref.name(), references, field), ref.key(), field);
  }

  private Secret secret(KubernetesClient client, String name, List<String> references, String field) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(operatorNamespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IllegalArgumentException("spec." + field + ": cannot read Secret " + name + " in namespace "
          + operatorNamespace + ": " + Failures.message(e), e);
    }
    if (secret == null) {
      throw new IllegalArgumentException("spec." + field + ": Secret " + name + " not found in namespace "
          + operatorNamespace);
    }
    references.add("secret/" + name + "@" + secret.getMetadata().getResourceVersion());
    return secret;
  }

  private static String key(Secret secret, String key, String field) {
    String value = null;
    if (secret.getData() != null && secret.getData().get(key) != null) {
      value = new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    } else if (secret.getStringData() != null) {
      value = secret.getStringData().get(key);
    }
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("spec." + field + ": Secret " + secret.getMetadata().getName()
          + " has no key " + key);
    }
    return value;
  }

  private MarathonClusterStatus status(KubernetesClient client, MarathonCluster cluster, boolean reachable, String reason, String message,
      ClusterProbe.Result probe) {
    MarathonClusterStatus before = cluster.getStatus();
    Long generation = cluster.getMetadata().getGeneration();
    List<Condition> conditions = Conditions.set(before == null ? null : before.conditions(), Condition.READY,
        reachable, reason, message, generation, clock.instant());
    Optional<Backup> last = lastSuccessfulBackup(client, cluster);
    return new MarathonClusterStatus(reachable, message,
        probe == null ? null : probe.zookeeperServer(),
        probe == null ? null : probe.marathonVersion(),
        probe == null ? null : probe.leader(),
        probe == null ? null : probe.electionParticipants(),
        last.map(b -> b.getStatus().id()).orElse(null),
        last.map(b -> b.getStatus().completionTime()).orElse(null),
        conditions, generation);
  }

  private Optional<Backup> lastSuccessfulBackup(KubernetesClient client, MarathonCluster cluster) {
    String name = cluster.getMetadata().getName();
    try {
      return client.resources(Backup.class).inAnyNamespace().list().getItems().stream()
          .filter(b -> b.getSpec() != null && name.equals(b.getSpec().clusterOrDefault()))
          .filter(b -> b.getStatus() != null && b.getStatus().phase() == Phase.STATUS_READY
              && b.getStatus().completionTime() != null)
          // By instant: ISO_INSTANT leaves out a zero fraction, so the strings do not sort by time.
          .max(Comparator.comparing(b -> Times.parse(b.getStatus().completionTime()).orElse(java.time.Instant.MIN)));
    } catch (RuntimeException e) {
      log.debug("could not list the Backups of MarathonCluster {}: {}", name, e.getMessage());
      return Optional.empty();
    }
  }

  private UpdateControl<MarathonCluster> patchIfChanged(Context<MarathonCluster> context, MarathonCluster cluster,
      MarathonClusterStatus next) {
    MarathonClusterStatus before = cluster.getStatus();
    if (!Objects.equals(before, next)) {
      if (before == null || !Objects.equals(before.reachable(), next.reachable())) {
        if (Boolean.TRUE.equals(next.reachable())) {
          log.info("MarathonCluster {} is reachable: {}", cluster.getMetadata().getName(), next.message());
        } else {
          log.warn("MarathonCluster {} is not ready: {}", cluster.getMetadata().getName(), next.message());
        }
      }
      cluster.setStatus(next);
      context.getClient().resource(cluster).updateStatus();
    }
    boolean ready = Boolean.TRUE.equals(next.reachable());
    return UpdateControl.<MarathonCluster>noUpdate().rescheduleAfter(ready || interval.compareTo(RETRY_INTERVAL) < 0
        ? interval : RETRY_INTERVAL);
  }
}
