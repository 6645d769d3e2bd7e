package io.dcos.backup.sandbox;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.MarathonClusters;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.operator.OperatorRuntime;
import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.sandbox.kubeapi.EmbeddedKubeApi;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;

/**
 * The one embedded test world — a real ZooKeeper server, a Marathon simulator, Fabric8's mock API server with the
 * CRDs, and the operator — shared by the sandbox, the tests and the benchmarks. Either ZooKeeper and Marathon may be
 * external instead (a staging Marathon tried without a Kubernetes cluster). The ZooKeeper server may be a given
 * release in a process of its own, and the simulator may elect with Marathon's own election code. Archives may go to
 * a bucket (an S3 server started in-process, or a real one) through a default storage location instead of the
 * backup directory.
 */
public final class EmbeddedWorld implements AutoCloseable {
  /** Short: tests and the sandbox stop with operations they no longer care about. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  /** The CRDs the build generates into the jar, by resource name. */
  private static final List<String> CRD_RESOURCES = List.of(
      "META-INF/fabric8/backups.backup.dcos.io-v1.yml",
      "META-INF/fabric8/restores.backup.dcos.io-v1.yml",
      "META-INF/fabric8/backupschedules.backup.dcos.io-v1.yml",
      "META-INF/fabric8/backupstoragelocations.backup.dcos.io-v1.yml",
      "META-INF/fabric8/marathonclusters.backup.dcos.io-v1.yml");

  private final TestingServer zookeeperServer;
  private final ZooKeeperProcess zookeeperProcess;
  private final MarathonSimulator simulator;
  private final EmbeddedKubeApi kubeApi;
  private final BackupService service;
  private final EmbeddedS3 s3Server;
  private final SandboxBucket storageBucket;
  /** A Marathon on Marathon on the same ZooKeeper, when the builder asked for one. */
  private MarathonSimulator marathonOnMarathon;
  private OperatorRuntime operator;

  private EmbeddedWorld(TestingServer zookeeperServer, ZooKeeperProcess zookeeperProcess, MarathonSimulator simulator,
      EmbeddedKubeApi kubeApi, BackupService service, EmbeddedS3 s3Server, SandboxBucket storageBucket) {
    this.zookeeperServer = zookeeperServer;
    this.zookeeperProcess = zookeeperProcess;
    this.simulator = simulator;
    this.kubeApi = kubeApi;
    this.service = service;
    this.s3Server = s3Server;
    this.storageBucket = storageBucket;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int marathonInstances = 3;
    private SimulatorOptions simulatorOptions = SimulatorOptions.defaults();
    private Path backupDirectory;
    private String externalZookeeper;
    private URI externalMarathon;
    private MarathonCredentials marathonCredentials = MarathonCredentials.none();
    private TlsTrust marathonTrust = TlsTrust.jvmDefault();
    private URI marathonEntry;
    private String zookeeperCredentials;
    private FenceOptions fenceOptions = FenceOptions.defaults();
    private boolean withOperator = true;
    private boolean withKubernetes = true;
    private int apiPort;
    private String zookeeperRelease;
    private Election election;
    private ReleaseJars releaseJars;
    private String embeddedS3Prefix;
    private SandboxBucket s3Storage;
    private boolean marathonOnMarathon;

    public Builder marathonInstances(int count) { marathonInstances = count; return this; }
    public Builder simulatorOptions(SimulatorOptions options) { simulatorOptions = options; return this; }
    public Builder backupDirectory(Path directory) { backupDirectory = directory; return this; }
    /** Marathon's --zk URL of an existing ZooKeeper; no embedded server is started. */
    public Builder externalZookeeper(String zkUrl) { externalZookeeper = zkUrl; return this; }
    /** An existing Marathon; no simulator is started. */
    public Builder externalMarathon(URI url) { externalMarathon = url; return this; }
    public Builder marathonCredentials(MarathonCredentials credentials) { marathonCredentials = credentials; return this; }
    /** The CAs the operator trusts for HTTPS to Marathon (an HTTPS simulator: the test's CA). */
    public Builder marathonTrust(TlsTrust trust) { marathonTrust = trust; return this; }
    /** The URL the operator is given for the simulator instead of an instance's own: a proxy in front of it (Admin Router). */
    public Builder marathonEntry(URI url) { marathonEntry = url; return this; }
    /** {@code user:password} the operator authenticates to ZooKeeper with (digest), as ZK_USERNAME/ZK_PASSWORD do. */
    public Builder zookeeperCredentials(String userPassword) { zookeeperCredentials = userPassword; return this; }
    public Builder fenceOptions(FenceOptions options) { fenceOptions = options; return this; }
    public Builder withOperator(boolean value) { withOperator = value; return this; }
    /** Without Kubernetes: only ZooKeeper, Marathon and the engine (engine tests, benchmarks). */
    public Builder withKubernetes(boolean value) { withKubernetes = value; return this; }
    public Builder apiPort(int port) { apiPort = port; return this; }
    /** A server process of this ZooKeeper release (e.g. {@code 3.4.14}) instead of the in-process server. */
    public Builder zookeeperRelease(String version) { zookeeperRelease = version; return this; }
    /** How the simulator elects; default: in-process, or Curator 4.0.1 on a 3.4 server (Curator 5 cannot create). */
    public Builder election(Election value) { election = value; return this; }
    /** Where old releases' jars are resolved and cached (default: the user's cache directory). */
    public Builder releaseJars(ReleaseJars jars) { releaseJars = jars; return this; }
    /** Starts an S3 server in-process and makes a bucket on it (archives under {@code prefix}) the default location. */
    public Builder embeddedS3Storage(String prefix) { embeddedS3Prefix = prefix; s3Storage = null; return this; }
    /** Makes this (real) bucket the default storage location. */
    public Builder s3Storage(SandboxBucket bucket) { s3Storage = bucket; embeddedS3Prefix = null; return this; }
    /**
     * A second simulated Marathon (a MoM, as many instances, electing the same way) at {@value #MOM_PATH} on the same
     * ZooKeeper, and its MarathonCluster {@value #MOM_CLUSTER}; only with the embedded Marathon.
     */
    public Builder marathonOnMarathon(boolean value) { marathonOnMarathon = value; return this; }

    /** The election the simulator will use, or why the combination cannot work. */
    public Election effectiveElection() {
      boolean zk34 = zookeeperRelease != null && zookeeperRelease.startsWith("3.4.");
      if (election == null) {
        return zk34 ? Election.CURATOR_4_0_1 : Election.IN_PROCESS;
      }
      if (zk34 && election == Election.IN_PROCESS) {
        throw new IllegalArgumentException("the in-process election cannot run on ZooKeeper " + zookeeperRelease
            + ": Curator 5's LeaderLatch creates its node with create2, which a 3.4 server does not know; use "
            + Election.CURATOR_4_0_1.cliName());
      }
      return election;
    }

    public EmbeddedWorld start() throws Exception {
      return EmbeddedWorld.start(this);
    }
  }

  private static EmbeddedWorld start(Builder settings) throws Exception {
    TestingServer zookeeperServer = null;
    ZooKeeperProcess zookeeperProcess = null;
    MarathonSimulator simulator = null;
    EmbeddedKubeApi kubeApi = null;
    BackupService service = null;
    EmbeddedS3 s3Server = null;
    try {
      Election election = settings.effectiveElection();
      ReleaseJars jars = settings.releaseJars != null ? settings.releaseJars : ReleaseJars.inUserCache();
      ZkTarget zookeeper;
      if (settings.externalZookeeper != null) {
        zookeeper = ZkTarget.parse(settings.externalZookeeper);
      } else if (settings.zookeeperRelease != null) {
        zookeeperProcess = ZooKeeperProcess.start(jars.zooKeeperServer(settings.zookeeperRelease), "512m",
            Duration.ofSeconds(60));
        zookeeper = ZkTarget.parse("zk://" + zookeeperProcess.connectString() + "/marathon");
      } else {
        zookeeperServer = new TestingServer(true);
        zookeeper = ZkTarget.parse("zk://" + zookeeperServer.getConnectString() + "/marathon");
      }
      if (settings.zookeeperCredentials != null) {
        zookeeper = new ZkTarget(zookeeper.connectString(), zookeeper.path(),
            Optional.of(settings.zookeeperCredentials));
      }
      URI marathonUrl;
      if (settings.externalMarathon != null) {
        marathonUrl = settings.externalMarathon;
      } else {
        simulator = MarathonSimulator.start(zookeeper.connectString(), zookeeper.path(), settings.marathonInstances,
            settings.simulatorOptions, election, jars);
        marathonUrl = settings.marathonEntry != null ? settings.marathonEntry : simulator.anyUrl();
      }
      Path backupDirectory = settings.backupDirectory != null ? settings.backupDirectory
          : Files.createTempDirectory("marathon-backups");
      service = new BackupService(TargetConfig.of(zookeeper, marathonUrl, settings.marathonCredentials,
          backupDirectory).withFence(settings.fenceOptions).withMarathonTrust(settings.marathonTrust));
      if (settings.withKubernetes) {
        kubeApi = EmbeddedKubeApi.start(crds(), settings.apiPort);
      }
      SandboxBucket bucket = settings.s3Storage;
      if (settings.embeddedS3Prefix != null) {
        s3Server = EmbeddedS3.startWithRandomKeys();
        bucket = SandboxBucket.on(s3Server, settings.embeddedS3Prefix);
      }
      if (bucket != null) {
        if (kubeApi == null) {
          throw new IllegalStateException("an S3 storage location needs the Kubernetes API (withKubernetes)");
        }
        SandboxStorage.makeDefault(kubeApi.client(), locationsNamespace(), bucket);
      }
      EmbeddedWorld world = new EmbeddedWorld(zookeeperServer, zookeeperProcess, simulator, kubeApi, service,
          s3Server, bucket);
      if (settings.marathonOnMarathon && simulator != null) {
        try {
          world.marathonOnMarathon = MarathonSimulator.start(zookeeper.connectString(), MOM_PATH,
              settings.marathonInstances, settings.simulatorOptions, election, jars);
        } catch (Exception | Error e) {
          world.close();
          throw e;
        }
      }
      if (settings.withKubernetes && settings.withOperator) {
        world.startOperator();
      }
      return world;
    } catch (Exception | Error e) {
      closeQuietly(s3Server);
      closeQuietly(service);
      closeQuietly(kubeApi);
      closeQuietly(simulator);
      closeQuietly(zookeeperServer);
      closeQuietly(zookeeperProcess);
      throw e;
    }
  }

  /** Where the embedded operator keeps its BackupStorageLocations (its recovery namespace). */
  public static String locationsNamespace() {
    return OperatorRuntime.Options.embedded().recoveryNamespace().orElseThrow();
  }

  public static List<CustomResourceDefinition> crds() {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    ClassLoader loader = EmbeddedWorld.class.getClassLoader();
    for (String resource : CRD_RESOURCES) {
      try (InputStream in = loader.getResourceAsStream(resource)) {
        if (in != null) {
          crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return crds;
  }

  public synchronized void startOperator() throws IOException {
    if (operator == null) {
      operator = OperatorRuntime.start(kubeApi.client(), service, OperatorRuntime.Options.embedded());
      if (marathonOnMarathon != null) {
        MarathonCluster mom = new MarathonCluster();
        mom.getMetadata().setName(MOM_CLUSTER);
        mom.getMetadata().setNamespace(locationsNamespace());
        mom.setSpec(new MarathonClusterSpec("zk://" + zookeeper().connectString() + MOM_PATH,
            new MarathonClusterSpec.Endpoint(marathonOnMarathon.anyUrl().toString()), null, null,
            new MarathonClusterSpec.Fence(service.config().fence().abdicationTimeout().toSeconds(),
                service.config().fence().acquireTimeout().toSeconds(),
                service.config().fence().recoveryTimeout().toSeconds()), null,
            List.of(MarathonClusters.ANY_NAMESPACE)));
        kubeApi.client().resource(mom).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      }
    }
  }

  /** Where the sandbox's Marathon on Marathon keeps its state, and its MarathonCluster's name. */
  public static final String MOM_PATH = "/marathon-user";
  public static final String MOM_CLUSTER = "marathon-user";

  /** The Marathon on Marathon, when the world runs one. */
  public Optional<MarathonSimulator> marathonOnMarathon() {
    return Optional.ofNullable(marathonOnMarathon);
  }

  /** The running operator (its queue, its MarathonClusters), if it runs. */
  public synchronized Optional<OperatorRuntime> operator() {
    return Optional.ofNullable(operator);
  }

  /** /metrics, /healthz and /readyz of the running operator. */
  public synchronized Optional<URI> operatorManagementUrl() {
    return Optional.ofNullable(operator).map(OperatorRuntime::managementUrl);
  }

  /**
   * Stops the operator as a graceful shutdown would (a running operation gets a few seconds to finish); ZooKeeper,
   * Marathon and the API keep running.
   */
  public synchronized void stopOperator() {
    if (operator != null) {
      operator.close(STOP_GRACE);
      operator = null;
    }
  }

  public KubernetesClient client() {
    return kubeApi.client();
  }

  public EmbeddedKubeApi kubeApi() {
    return kubeApi;
  }

  public Path writeKubeconfig(Path file, String namespace) throws IOException {
    return kubeApi.writeKubeconfig(file, namespace);
  }

  public ZkTarget zookeeper() {
    return service.config().zookeeper();
  }

  public URI marathonUrl() {
    return service.config().marathonUrl();
  }

  public Optional<MarathonSimulator> simulator() {
    return Optional.ofNullable(simulator);
  }

  /** The release of the ZooKeeper server process this world started, if it started one. */
  public Optional<String> zookeeperServerVersion() {
    return Optional.ofNullable(zookeeperProcess).map(ZooKeeperProcess::version);
  }

  public boolean usesEmbeddedMarathon() {
    return simulator != null;
  }

  public BackupService service() {
    return service;
  }

  public Path backupDirectory() {
    return service.config().backupDirectory();
  }

  /** The bucket that is the default storage location, when archives go to S3 rather than the backup directory. */
  public Optional<SandboxBucket> storageBucket() {
    return Optional.ofNullable(storageBucket);
  }

  /** The S3 server this world started, if it started one. */
  public Optional<EmbeddedS3> s3Server() {
    return Optional.ofNullable(s3Server);
  }

  @Override
  public void close() {
    stopOperator();
    closeQuietly(service);
    closeQuietly(s3Server);
    closeQuietly(kubeApi);
    closeQuietly(marathonOnMarathon);
    closeQuietly(simulator);
    closeQuietly(zookeeperServer);
    closeQuietly(zookeeperProcess);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // shutting down: nothing useful to do with a second failure
    }
  }
}
