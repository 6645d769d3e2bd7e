package io.dcos.backup.sandbox;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.S3Location;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The quick-start story: apps in Marathon → Backup → an app lost → Restore → the app is back. Each step either
 * goes as expected or fails with the step's name (the exit code of `sandbox --once`).
 *
 * <p>Against an existing Marathon (`--zk` and `--marathon`) only the backup runs: restoring would rewrite that
 * Marathon's state to a backup taken seconds earlier and lose whatever happened in between, so the demo prints how
 * to restore by hand instead.
 */
public final class SandboxDemo {
  static final List<String> DEMO_APPS = List.of("/demo/web", "/demo/api", "/demo/worker");
  static final String LOST_APP = "/demo/api";

  /** A step that did not go as expected. */
  public static final class StepFailed extends Exception {
    StepFailed(String step, String why) {
      super("step \"" + step + "\" failed: " + why);
    }
  }

  private final EmbeddedWorld world;
  private final String namespace;
  private final Path examples;
  private final Path kubeconfig;
  private final PrintStream out;
  private final Duration timeout;
  private final Map<String, String> lastSeen = new ConcurrentHashMap<>();

  /** {@code kubeconfig}: the file the sandbox wrote, named in the instructions printed for a by-hand restore. */
  public SandboxDemo(EmbeddedWorld world, String namespace, Path examples, Path kubeconfig, PrintStream out,
      Duration timeout) {
    this.world = world;
    this.namespace = namespace;
    this.examples = examples;
    this.kubeconfig = kubeconfig;
    this.out = out;
    this.timeout = timeout;
  }

  public void run() throws Exception {
    KubernetesClient client = world.client();
    try (Watch backups = client.resources(Backup.class).inNamespace(namespace).watch(printer("Backup",
             b -> b.getStatus() == null ? null : b.getStatus().phase(),
             b -> b.getStatus() == null ? null : b.getStatus().message()));
         Watch restores = client.resources(Restore.class).inNamespace(namespace).watch(printer("Restore",
             r -> r.getStatus() == null ? null : r.getStatus().phase(),
             r -> r.getStatus() == null ? null : r.getStatus().message()))) {
      DemoApps apps = new DemoApps(world.marathonUrl());
      boolean ownMarathon = world.usesEmbeddedMarathon();
      if (ownMarathon) {
        step("Marathon elects a leader", () -> awaitMarathonLeader());
        step("create demo apps " + DEMO_APPS, () -> {
          for (String id : DEMO_APPS) {
            apps.create(id, "sleep 3600");
          }
          expectApps(apps, DEMO_APPS, List.of());
        });
      } else {
        say("using an existing Marathon at " + world.marathonUrl() + ": no demo apps are created or deleted, and "
            + "nothing is restored");
      }

      if (world.storageBucket().isPresent()) {
        String where = world.storageBucket().get().where();
        step("BackupStorageLocation " + SandboxStorage.LOCATION + " (" + where + ", the default) is Available",
            () -> awaitLocationAvailable(SandboxStorage.LOCATION));
      }

      Backup backup = apply(Backup.class, "backup.yaml");
      step("Backup " + backup.getMetadata().getName() + " reaches STATUS_READY",
          () -> awaitPhase(Backup.class, backup.getMetadata().getName(),
              b -> b.getStatus() == null ? null : b.getStatus().phase(),
              b -> b.getStatus() == null ? null : b.getStatus().message()));
      Backup ready = client.resources(Backup.class).inNamespace(namespace).withName(backup.getMetadata().getName())
          .get();
      say("backup " + ready.getStatus().id() + ": " + ready.getStatus().znodes() + " znodes, "
          + ready.getStatus().bytes() + " bytes, archive " + ready.getStatus().location());
      if (world.storageBucket().isPresent()) {
        SandboxBucket bucket = world.storageBucket().get();
        String id = ready.getStatus().id();
        step("archive " + id + " is in " + bucket.where() + " and not in " + world.backupDirectory(),
            () -> expectOnlyInBucket(bucket, id));
      }

      if (!ownMarathon) {
        // Restoring now would set the existing Marathon back to this backup and lose what it did since.
        Path restoreYaml = examples.resolve("restore.yaml");
        say("not restoring automatically: that would rewrite the state of the Marathon at " + world.marathonUrl()
            + " to this backup and lose whatever it did since the backup was taken");
        say("to restore it by hand:  KUBECONFIG=" + kubeconfig + " kubectl apply -f "
            + (Files.isRegularFile(restoreYaml) ? restoreYaml : "examples/restore.yaml   (from the repository)"));
        say("demo complete: backup " + ready.getStatus().id() + " is STATUS_READY");
        return;
      }

      step("delete app " + LOST_APP + " (the accident the backup protects against)", () -> {
        awaitMarathonLeader();
        apps.delete(LOST_APP);
        expectApps(apps, DEMO_APPS.stream().filter(id -> !id.equals(LOST_APP)).toList(), List.of(LOST_APP));
      });

      Restore restore = apply(Restore.class, "restore.yaml");
      step("Restore " + restore.getMetadata().getName() + " reaches STATUS_READY",
          () -> awaitPhase(Restore.class, restore.getMetadata().getName(),
              r -> r.getStatus() == null ? null : r.getStatus().phase(),
              r -> r.getStatus() == null ? null : r.getStatus().message()));

      step("app " + LOST_APP + " is back in Marathon", () -> {
        awaitMarathonLeader();
        expectApps(apps, DEMO_APPS, List.of());
      });
      if (world.marathonOnMarathon().isPresent()) {
        severalMarathons(apps, world.marathonOnMarathon().get());
        say("demo complete: backup and restore are STATUS_READY and " + LOST_APP + " is back; the Marathon on "
            + "Marathon was backed up and restored without disturbing the native Marathon");
        return;
      }
      say("demo complete: backup and restore are STATUS_READY and " + LOST_APP + " is back");
    }
  }

  static final List<String> MOM_APPS = List.of("/user/etl", "/user/report");
  static final String MOM_LOST_APP = "/user/report";

  /**
   * Two Marathons on one ZooKeeper: both backed up at once (each in its own queue), the Marathon on Marathon damaged
   * and restored, the native Marathon untouched all along — its apps as they were, its leader never abdicated.
   */
  private void severalMarathons(DemoApps nativeApps, MarathonSimulator mom) throws Exception {
    String cluster = EmbeddedWorld.MOM_CLUSTER;
    DemoApps momApps = new DemoApps(mom.anyUrl());
    step("MarathonCluster " + cluster + " (the Marathon on Marathon at " + EmbeddedWorld.MOM_PATH + ") is Ready",
        () -> awaitClusterReady(cluster));
    step("create apps " + MOM_APPS + " in the Marathon on Marathon", () -> {
      awaitLeader(mom.anyUrl());
      for (String id : MOM_APPS) {
        momApps.create(id, "sleep 3600");
      }
      expectApps(momApps, MOM_APPS, List.of());
    });
    step("back up both Marathons at once (Backup native and Backup user, spec.cluster: " + cluster + ")", () -> {
      awaitMarathonLeader();
      world.client().resource(backup("native", "native", null)).createOr(NonDeletingOperation::update);
      world.client().resource(backup("user", "user", cluster)).createOr(NonDeletingOperation::update);
      awaitPhase(Backup.class, "native", b -> b.getStatus() == null ? null : b.getStatus().phase(),
          b -> b.getStatus() == null ? null : b.getStatus().message());
      awaitPhase(Backup.class, "user", b -> b.getStatus() == null ? null : b.getStatus().phase(),
          b -> b.getStatus() == null ? null : b.getStatus().message());
    });
    step("delete app " + MOM_LOST_APP + " in the Marathon on Marathon", () -> {
      awaitLeader(mom.anyUrl());
      momApps.delete(MOM_LOST_APP);
      expectApps(momApps, MOM_APPS.stream().filter(id -> !id.equals(MOM_LOST_APP)).toList(), List.of(MOM_LOST_APP));
    });
    awaitMarathonLeader();
    java.util.Set<String> nativeBefore = new java.util.TreeSet<>(nativeApps.ids());
    int nativeElections = world.simulator().map(s -> s.electionLog().size()).orElse(0);
    step("Restore user (of Backup user, into " + cluster + ") reaches STATUS_READY", () -> {
      Restore restore = new Restore();
      restore.getMetadata().setName("user");
      restore.getMetadata().setNamespace(namespace);
      restore.setSpec(new io.dcos.backup.api.RestoreSpec(null, "user", null, cluster, null));
      world.client().resource(restore).createOr(NonDeletingOperation::update);
      awaitPhase(Restore.class, "user", r -> r.getStatus() == null ? null : r.getStatus().phase(),
          r -> r.getStatus() == null ? null : r.getStatus().message());
    });
    step("app " + MOM_LOST_APP + " is back in the Marathon on Marathon", () -> {
      awaitLeader(mom.anyUrl());
      expectApps(momApps, MOM_APPS, List.of());
    });
    step("the native Marathon is untouched: same apps, and its leader never abdicated", () -> {
      awaitMarathonLeader();
      java.util.Set<String> now = new java.util.TreeSet<>(nativeApps.ids());
      if (!now.equals(nativeBefore)) {
        throw new IllegalStateException("the native Marathon's apps changed: " + nativeBefore + " -> " + now);
      }
      int elections = world.simulator().map(s -> s.electionLog().size()).orElse(0);
      if (elections != nativeElections) {
        throw new IllegalStateException("the native Marathon elected " + (elections - nativeElections)
            + " time(s) during the other Marathon's restore");
      }
      say("native Marathon apps: " + now + "; no election since the Marathon on Marathon's restore began");
    });
  }

  private Backup backup(String name, String label, String cluster) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace(namespace);
    backup.setSpec(new io.dcos.backup.api.BackupSpec(label, null, null, cluster));
    return backup;
  }

  private void awaitClusterReady(String name) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      var cluster = world.client().resources(io.dcos.backup.api.MarathonCluster.class)
          .inNamespace(EmbeddedWorld.locationsNamespace()).withName(name).get();
      var status = cluster == null ? null : cluster.getStatus();
      if (status != null && Boolean.TRUE.equals(status.reachable())) {
        say("MarathonCluster " + name + ": Marathon " + status.marathonVersion() + ", leader " + status.leader()
            + ", " + status.electionParticipants() + " in the election, ZooKeeper " + status.zookeeperServer());
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("not Ready within " + timeout.toSeconds() + " s");
  }

  private void awaitLeader(java.net.URI url) throws Exception {
    MarathonClient marathon = new MarathonClient(url, MarathonCredentials.none(), Duration.ofSeconds(5));
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (marathon.info().elected()) {
          return;
        }
      } catch (IOException notYet) {
        // a Marathon restarting or a standby without a leader: ask again
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("Marathon at " + url + " elected no leader within " + timeout.toSeconds() + " s");
  }

  /** Creates (or updates) the example's object through the Kubernetes API, as `kubectl apply` would. */
  private <T extends HasMetadata> T apply(Class<T> type, String file) throws Exception {
    T object;
    Path onDisk = examples.resolve(file);
    boolean fromDisk = Files.isRegularFile(onDisk);
    try (InputStream in = open(file, onDisk, fromDisk)) {
      object = world.client().resources(type).load(in).item();
    }
    object.getMetadata().setNamespace(namespace);
    say("applying " + (fromDisk ? onDisk.toString() : "examples/" + file + " (the copy in the jar)") + "  ("
        + type.getSimpleName() + " " + object.getMetadata().getName() + ", namespace " + namespace + ")");
    return world.client().resource(object).inNamespace(namespace).createOr(NonDeletingOperation::update);
  }

  private InputStream open(String file, Path onDisk, boolean fromDisk) throws IOException {
    if (fromDisk) {
      return Files.newInputStream(onDisk);
    }
    InputStream bundled = SandboxDemo.class.getClassLoader().getResourceAsStream("examples/" + file);
    if (bundled == null) {
      throw new IOException("example " + file + " found neither in " + examples + " nor in the jar");
    }
    return bundled;
  }

  private <T extends HasMetadata> void awaitPhase(Class<T> type, String name, Function<T, Phase> phase,
      Function<T, String> message) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      T object = world.client().resources(type).inNamespace(namespace).withName(name).get();
      Phase current = object == null ? null : phase.apply(object);
      if (current == Phase.STATUS_READY) {
        return;
      }
      if (current == Phase.STATUS_ERROR) {
        throw new IllegalStateException(type.getSimpleName() + " " + name + " ended STATUS_ERROR: "
            + message.apply(object));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("not STATUS_READY within " + timeout.toSeconds() + " s");
  }

  /** Looks in the bucket itself, with the location's keys, rather than trusting the Backup's status. */
  private void expectOnlyInBucket(SandboxBucket bucket, String id) throws Exception {
    try (S3Location location = new S3Location(new S3Location.Settings(SandboxStorage.LOCATION, bucket.bucket(),
        bucket.prefix(), bucket.region(), bucket.endpoint(), bucket.pathStyle(), bucket.accessKeyId(),
        bucket.secretAccessKey(), bucket.caBundlePem(), true, null, null))) {
      Manifest manifest = location.manifest(id).orElseThrow(() -> new IllegalStateException(
          "there is no object " + location.describe(id)));
      if (Files.exists(world.service().store().location(id))) {
        throw new IllegalStateException("the archive was left in " + world.backupDirectory() + " too");
      }
      say("object " + location.describe(id) + ": " + manifest.znodes() + " znodes, SHA-256 " + manifest.sha256());
    }
  }

  /**
   * The operator's first check of the location, made as soon as it sees it: an unreachable bucket or refused keys
   * end the demo here, with the store's answer, rather than at the backup.
   */
  private void awaitLocationAvailable(String name) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      BackupStorageLocation location = world.client().resources(BackupStorageLocation.class)
          .inNamespace(EmbeddedWorld.locationsNamespace()).withName(name).get();
      BackupStorageLocationStatus status = location == null ? null : location.getStatus();
      if (status != null && status.phase() == BackupStorageLocationStatus.LocationPhase.Available) {
        return;
      }
      if (status != null && status.phase() == BackupStorageLocationStatus.LocationPhase.Unavailable) {
        throw new IllegalStateException("the location is Unavailable: " + status.message());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("not checked by the operator within " + timeout.toSeconds() + " s");
  }

  private void awaitMarathonLeader() throws Exception {
    awaitLeader(world.marathonUrl());
  }

  private void expectApps(DemoApps apps, List<String> present, List<String> absent) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    List<String> ids = List.of();
    while (Instant.now().isBefore(deadline)) {
      try {
        ids = apps.ids();
        if (ids.containsAll(present) && absent.stream().noneMatch(ids::contains)) {
          say("Marathon apps: " + ids);
          return;
        }
      } catch (IOException notYet) {
        // leader changing: the standby answers 503 until a leader is back
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("Marathon apps are " + ids + ", expected " + present + " present and " + absent
        + " absent");
  }

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  private void step(String name, Step step) throws StepFailed {
    say("▶ " + name);
    try {
      step.run();
    } catch (Exception e) {
      throw new StepFailed(name, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    say("✔ " + name);
  }

  private <T extends HasMetadata> Watcher<T> printer(String kind, Function<T, Phase> phase,
      Function<T, String> message) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        String key = kind + "/" + object.getMetadata().getName();
        Phase now = phase.apply(object);
        String line = now == null ? "(no status yet)" : now + (message.apply(object) == null ? ""
            : "  " + message.apply(object));
        if (action == Action.DELETED) {
          line = "deleted";
        }
        String previous = lastSeen.put(key, line);
        if (!Objects.equals(previous, line)) {
          say("  " + key + ": " + line);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        // closed when the demo ends
      }
    };
  }

  private void say(String line) {
    out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "  " + line);
    out.flush();
  }

}
