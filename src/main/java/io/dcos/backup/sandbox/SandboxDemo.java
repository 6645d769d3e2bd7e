package io.dcos.backup.sandbox;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.simulator.MarathonSimulator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

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
  static final List<String> MOM_APPS = List.of("/user/etl", "/user/report");
  static final String MOM_LOST_APP = "/user/report";

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
  private final DemoLog log;
  private final DemoWaits waits;

  /** {@code kubeconfig}: the file the sandbox wrote, named in the instructions printed for a by-hand restore. */
  public SandboxDemo(EmbeddedWorld world, String namespace, Path examples, Path kubeconfig, PrintStream out,
      Duration timeout) {
    this.world = world;
    this.namespace = namespace;
    this.examples = examples;
    this.kubeconfig = kubeconfig;
    this.log = new DemoLog(out);
    this.waits = new DemoWaits(world, namespace, timeout, log);
  }

  public void run() throws Exception {
    KubernetesClient client = world.client();
    try (Watch backups = client.resources(Backup.class).inNamespace(namespace).watch(log.printer("Backup",
             DemoWaits::backupPhase, DemoWaits::backupMessage));
         Watch restores = client.resources(Restore.class).inNamespace(namespace).watch(log.printer("Restore",
             DemoWaits::restorePhase, DemoWaits::restoreMessage))) {
      DemoApps apps = new DemoApps(world.marathonUrl());
      boolean ownMarathon = world.usesEmbeddedMarathon();
      if (ownMarathon) {
        log.step("Marathon elects a leader", waits::marathonLeader);
        log.step("create demo apps " + DEMO_APPS, () -> {
          for (String id : DEMO_APPS) {
            apps.create(id, "sleep 3600");
          }
          waits.apps(apps, DEMO_APPS, List.of());
        });
      } else {
        log.say("using an existing Marathon at " + world.marathonUrl() + ": no demo apps are created or deleted, "
            + "and nothing is restored");
      }

      if (world.storageBucket().isPresent()) {
        String where = world.storageBucket().get().where();
        log.step("BackupStorageLocation " + SandboxStorage.LOCATION + " (" + where + ", the default) is Available",
            () -> waits.locationAvailable(SandboxStorage.LOCATION));
      }

      Backup backup = apply(Backup.class, "backup.yaml");
      log.step("Backup " + backup.getMetadata().getName() + " reaches STATUS_READY",
          () -> waits.backupReady(backup.getMetadata().getName()));
      Backup ready = client.resources(Backup.class).inNamespace(namespace).withName(backup.getMetadata().getName())
          .get();
      log.say("backup " + ready.getStatus().id() + ": " + ready.getStatus().znodes() + " znodes, "
          + ready.getStatus().bytes() + " bytes, archive " + ready.getStatus().location());
      if (world.storageBucket().isPresent()) {
        SandboxBucket bucket = world.storageBucket().get();
        String id = ready.getStatus().id();
        log.step("archive " + id + " is in " + bucket.where() + " and not in " + world.backupDirectory(),
            () -> waits.onlyInBucket(bucket, id));
      }

      if (!ownMarathon) {
        // Restoring now would set the existing Marathon back to this backup and lose what it did since.
        Path restoreYaml = examples.resolve("restore.yaml");
        log.say("not restoring automatically: that would rewrite the state of the Marathon at "
            + world.marathonUrl() + " to this backup and lose whatever it did since the backup was taken");
        log.say("to restore it by hand:  KUBECONFIG=" + kubeconfig + " kubectl apply -f "
            + (Files.isRegularFile(restoreYaml) ? restoreYaml : "examples/restore.yaml   (from the repository)"));
        log.say("demo complete: backup " + ready.getStatus().id() + " is STATUS_READY");
        return;
      }

      log.step("delete app " + LOST_APP + " (the accident the backup protects against)", () -> {
        waits.marathonLeader();
        apps.delete(LOST_APP);
        waits.apps(apps, DEMO_APPS.stream().filter(id -> !id.equals(LOST_APP)).toList(), List.of(LOST_APP));
      });

      Restore restore = apply(Restore.class, "restore.yaml");
      log.step("Restore " + restore.getMetadata().getName() + " reaches STATUS_READY",
          () -> waits.restoreReady(restore.getMetadata().getName()));

      log.step("app " + LOST_APP + " is back in Marathon", () -> {
        waits.marathonLeader();
        waits.apps(apps, DEMO_APPS, List.of());
      });
      if (world.marathonOnMarathon().isPresent()) {
        severalMarathons(apps, world.marathonOnMarathon().get());
        log.say("demo complete: backup and restore are STATUS_READY and " + LOST_APP + " is back; the Marathon on "
            + "Marathon was backed up and restored without disturbing the native Marathon");
        return;
      }
      log.say("demo complete: backup and restore are STATUS_READY and " + LOST_APP + " is back");
    }
  }

  /**
   * Two Marathons on one ZooKeeper: both backed up at once (each in its own queue), the Marathon on Marathon damaged
   * and restored, the native Marathon untouched all along — its apps as they were, its leader never abdicated.
   */
  private void severalMarathons(DemoApps nativeApps, MarathonSimulator mom) throws Exception {
    String cluster = EmbeddedWorld.MOM_CLUSTER;
    DemoApps momApps = new DemoApps(mom.anyUrl());
    log.step("MarathonCluster " + cluster + " (the Marathon on Marathon at " + EmbeddedWorld.MOM_PATH
        + ") is Ready", () -> waits.clusterReady(cluster));
    log.step("create apps " + MOM_APPS + " in the Marathon on Marathon", () -> {
      waits.leader(mom.anyUrl());
      for (String id : MOM_APPS) {
        momApps.create(id, "sleep 3600");
      }
      waits.apps(momApps, MOM_APPS, List.of());
    });
    log.step("back up both Marathons at once (Backup native and Backup user, spec.cluster: " + cluster + ")",
        () -> {
          waits.marathonLeader();
          world.client().resource(backup("native", "native", null)).createOr(NonDeletingOperation::update);
          world.client().resource(backup("user", "user", cluster)).createOr(NonDeletingOperation::update);
          waits.backupReady("native");
          waits.backupReady("user");
        });
    log.step("delete app " + MOM_LOST_APP + " in the Marathon on Marathon", () -> {
      waits.leader(mom.anyUrl());
      momApps.delete(MOM_LOST_APP);
      waits.apps(momApps, MOM_APPS.stream().filter(id -> !id.equals(MOM_LOST_APP)).toList(), List.of(MOM_LOST_APP));
    });
    waits.marathonLeader();
    Set<String> nativeBefore = new TreeSet<>(nativeApps.ids());
    int nativeElections = nativeElections();
    log.step("Restore user (of Backup user, into " + cluster + ") reaches STATUS_READY", () -> {
      Restore restore = new Restore();
      restore.getMetadata().setName("user");
      restore.getMetadata().setNamespace(namespace);
      restore.setSpec(new RestoreSpec(null, "user", null, cluster, null));
      world.client().resource(restore).createOr(NonDeletingOperation::update);
      waits.restoreReady("user");
    });
    log.step("app " + MOM_LOST_APP + " is back in the Marathon on Marathon", () -> {
      waits.leader(mom.anyUrl());
      waits.apps(momApps, MOM_APPS, List.of());
    });
    log.step("the native Marathon is untouched: same apps, and its leader never abdicated", () -> {
      waits.marathonLeader();
      Set<String> now = new TreeSet<>(nativeApps.ids());
      if (!now.equals(nativeBefore)) {
        throw new IllegalStateException("the native Marathon's apps changed: " + nativeBefore + " -> " + now);
      }
      int elections = nativeElections();
      if (elections != nativeElections) {
        throw new IllegalStateException("the native Marathon elected " + (elections - nativeElections)
            + " time(s) during the other Marathon's restore");
      }
      log.say("native Marathon apps: " + now + "; no election since the Marathon on Marathon's restore began");
    });
  }

  private int nativeElections() {
    return world.simulator().map(s -> s.electionLog().size()).orElse(0);
  }

  private Backup backup(String name, String label, String cluster) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace(namespace);
    backup.setSpec(new BackupSpec(label, null, null, cluster));
    return backup;
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
    log.say("applying " + (fromDisk ? onDisk.toString() : "examples/" + file + " (the copy in the jar)") + "  ("
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
}
