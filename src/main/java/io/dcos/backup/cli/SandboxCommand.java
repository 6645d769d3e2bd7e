package io.dcos.backup.cli;

import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SandboxDemo;
import io.dcos.backup.sandbox.SandboxStorage;
import io.dcos.backup.simulator.Election;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sandbox", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Starts a real ZooKeeper, a 3-instance Marathon simulator, an in-process Kubernetes API with",
        "the CRDs and the operator; runs the backup/restore demo, then keeps running until Ctrl-C."})
final class SandboxCommand implements Callable<Integer> {
  /** picocli's exit code for a command line it refuses. */
  static final int USAGE_ERROR = 2;

  @Option(names = "--once", description = "Exit after the demo: 0 only if every step went as expected.")
  boolean once;

  @Option(names = "--kubeconfig", description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE}).",
      defaultValue = "target/sandbox/kubeconfig")
  Path kubeconfig;

  @Option(names = "--zk", paramLabel = "zk://host:port/path",
      description = {"Use this ZooKeeper (Marathon's --zk URL) instead of the embedded one; needs --marathon.",
          "With both, the demo backs up that Marathon and does not restore (it prints how to)."})
  String zk;

  @Option(names = "--marathon", paramLabel = "URL",
      description = "Use this Marathon (the one whose --zk is --zk) instead of the simulator; needs --zk.")
  URI marathon;

  @Option(names = "--zookeeper", paramLabel = "VERSION",
      description = {"Run the demo on a ZooKeeper server process of this release (e.g. 3.4.14, DC/OS's; 3.5.10),",
          "its jars fetched from Maven Central by mvn into ~/.cache/marathon-backup-operator the first time."})
  String zookeeperVersion;

  @Option(names = "--election", paramLabel = "curator-4.0.1|in-process",
      description = {"How the simulated Marathons elect: in-process (Curator 5.9, the default) or curator-4.0.1",
          "(Marathon's own election code, each Marathon in a JVM of its own; the default on a 3.4 server)."})
  String election;

  @Option(names = "--release-cache", paramLabel = "DIR",
      description = "Where --zookeeper and --election curator-4.0.1 keep the jars they resolve (default: the user's "
          + "cache, ~/.cache/marathon-backup-operator/release-jars).")
  Path releaseCache;

  @Option(names = "--backup-dir", description = "Where archives are written (default: ${DEFAULT-VALUE}).",
      defaultValue = "target/sandbox/backups")
  Path backupDir;

  @Option(names = "--namespace", defaultValue = "default", description = "Namespace of the demo objects.")
  String namespace;

  @Option(names = "--examples", defaultValue = "examples", description = "Directory of backup.yaml and restore.yaml.")
  Path examples;

  @Option(names = "--timeout", defaultValue = "180", description = "Seconds each demo step may take.")
  long timeoutSeconds;

  @Option(names = "--api-port", defaultValue = "0", description = "Port of the embedded API server (0: any free).")
  int apiPort;

  @Mixin
  SandboxStorageOptions storage = new SandboxStorageOptions();

  @Override
  public Integer call() throws Exception {
    Optional<String> refused = refusal(zk, marathon).or(() -> refusal(zookeeperVersion, election, zk, marathon));
    if (refused.isPresent()) {
      System.err.println("sandbox: " + refused.get());
      return USAGE_ERROR;
    }
    EmbeddedWorld.Builder builder = EmbeddedWorld.builder().backupDirectory(backupDir.toAbsolutePath())
        .apiPort(apiPort);
    try {
      storage.applyTo(builder);
    } catch (SandboxStorageOptions.Refused refusedStorage) {
      System.err.println("sandbox: " + refusedStorage.getMessage());
      return USAGE_ERROR;
    }
    // The native Marathon and a Marathon on Marathon on one ZooKeeper; an existing Marathon (--zk/--marathon) alone.
    builder.marathonOnMarathon(zk == null && marathon == null);
    if (zk != null) {
      builder.externalZookeeper(zk);
    }
    if (marathon != null) {
      builder.externalMarathon(marathon);
    }
    if (zookeeperVersion != null) {
      builder.zookeeperRelease(zookeeperVersion.trim());
    }
    if (election != null) {
      builder.election(Election.parse(election));
    }
    if (releaseCache != null) {
      builder.releaseJars(new ReleaseJars(releaseCache));
    }
    try (EmbeddedWorld world = builder.start()) {
      Path written = world.writeKubeconfig(kubeconfig.toAbsolutePath(), namespace);
      System.out.println("ZooKeeper:  " + world.zookeeper()
          + world.zookeeperServerVersion().map(v -> " (server process, release " + v + ")").orElse(""));
      System.out.println("Marathon:   " + world.marathonUrl() + world.simulator()
          .map(sim -> " (simulator, election " + sim.election().cliName() + ")").orElse(""));
      System.out.println("Backups in: " + world.storageBucket().map(bucket -> bucket + ", the default "
          + "BackupStorageLocation " + SandboxStorage.LOCATION + (world.s3Server().isPresent()
              ? " on an S3 server in this process" : "") + "; staged and safety snapshots in "
              + world.backupDirectory()).orElse(world.backupDirectory().toString()));
      System.out.println("kubeconfig: " + written + "   (export KUBECONFIG=" + written + ")");
      world.operatorManagementUrl().ifPresent(url ->
          System.out.println("Operator:   " + url + "/metrics  /healthz  /readyz"));
      try {
        new SandboxDemo(world, namespace, examples, written, System.out, Duration.ofSeconds(timeoutSeconds)).run();
      } catch (SandboxDemo.StepFailed failed) {
        System.err.println("sandbox: " + failed.getMessage());
        if (once) {
          return 1;
        }
      }
      if (once) {
        return 0;
      }
      System.out.println("sandbox running; try: KUBECONFIG=" + written
          + " kubectl get backups,restores   (Ctrl-C to stop)");
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        world.close();
        stopped.countDown();
      }, "sandbox-shutdown"));
      stopped.await();
      return 0;
    }
  }

  /** The server and election choices apply to the sandbox's own ZooKeeper and simulator only, and must fit together. */
  static Optional<String> refusal(String zookeeperVersion, String election, String zk, URI marathon) {
    if (zookeeperVersion != null && zk != null) {
      return Optional.of("--zookeeper VERSION starts a ZooKeeper server of that release; --zk names an existing one: "
          + "give one of them");
    }
    if (zookeeperVersion != null && !zookeeperVersion.trim().matches("\\d+\\.\\d+\\.\\d+")) {
      return Optional.of("--zookeeper wants a release number such as 3.4.14, not '" + zookeeperVersion + "'");
    }
    if (election != null && marathon != null) {
      return Optional.of("--election chooses how the Marathon simulator elects; with --marathon no simulator runs");
    }
    if (election != null) {
      try {
        EmbeddedWorld.builder().zookeeperRelease(zookeeperVersion).election(Election.parse(election))
            .effectiveElection();
      } catch (IllegalArgumentException e) {
        return Optional.of("--election: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Only both or neither: the simulator must never run against a user's ZooKeeper (it would join the real Marathon's
   * leader election and write into {@code <zk>/state}), and a user's Marathon must be fenced and backed up through
   * its own ZooKeeper, not the embedded one.
   */
  static Optional<String> refusal(String zk, URI marathon) {
    if (zk != null && marathon == null) {
      return Optional.of("--zk needs --marathon URL (the Marathon that uses this ZooKeeper): without it the Marathon "
          + "simulator would run against " + zk + ", join the real Marathon's leader election and write into its "
          + "state");
    }
    if (marathon != null && zk == null) {
      return Optional.of("--marathon needs --zk zk://host:port/path (that Marathon's own --zk URL): the operator "
          + "fences and backs up Marathon through its ZooKeeper, not the sandbox's embedded one");
    }
    return Optional.empty();
  }
}
