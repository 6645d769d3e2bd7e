package io.dcos.backup.sandbox.kubeapi;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real kubectl against the embedded API: the default one on PATH (a dispatcher that picks the binary matching
 * the server's version) and, when installed beside it, the oldest and newest versioned binaries.
 */
class KubectlAgainstEmbeddedKubeApiTest {
  static EmbeddedKubeApi api;
  static KubernetesClient client;
  static Path work;

  @BeforeAll
  static void start() throws Exception {
    api = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(EmbeddedKubeApiTest.CRDS), 0);
    client = api.client();
    work = Files.createDirectories(Path.of("target/kubeapi-kubectl"));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static Stream<String> kubectls() {
    List<String> binaries = new ArrayList<>();
    Optional<Path> kubectl = onPath("kubectl");
    if (kubectl.isEmpty()) {
      return Stream.of("kubectl");
    }
    binaries.add("kubectl");
    try {
      Path dir = kubectl.get().toRealPath().getParent();
      for (String versioned : List.of("kubectl.1.27", "kubectl.1.33")) {
        if (Files.isExecutable(dir.resolve(versioned))) {
          binaries.add(dir.resolve(versioned).toString());
        }
      }
    } catch (IOException e) {
      // Only the default one then.
    }
    return binaries.stream();
  }

  record Result(int exitCode, String stdout, String stderr) {
  }

  static Result run(String kubectl, Path kubeconfig, String... args) throws Exception {
    return run(kubectl, kubeconfig, 60, args);
  }

  static Result run(String kubectl, Path kubeconfig, int timeoutSeconds, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(kubectl, "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    // A user's cache of discovery and OpenAPI from another server must not leak in.
    builder.environment().put("KUBECACHEDIR", work.resolve("cache").toString());
    Process process = builder.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Result(process.waitFor(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static Path manifest(String name, String yaml) throws IOException {
    return Files.writeString(work.resolve(name), yaml);
  }

  static String backupYaml(String name, String label) {
    return "apiVersion: backup.dcos.io/v1alpha1\nkind: Backup\nmetadata:\n  name: " + name + "\nspec:\n  label: \""
        + label + "\"\n";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kubectls")
  void kubectlWorksAgainstTheEmbeddedApi(String kubectl) throws Exception {
    Assumptions.assumeTrue(onPath("kubectl").isPresent(), "kubectl is not on PATH");
    String ns = "ns-" + Integer.toHexString(kubectl.hashCode());
    Path kubeconfig = api.writeKubeconfig(work.resolve(ns + ".kubeconfig"), ns);

    Result version = run(kubectl, kubeconfig, "version", "-o", "json");
    assertThat(version.exitCode()).as(version.stderr()).isZero();
    assertThat(version.stdout()).contains("\"serverVersion\"");

    // Client-side apply with validation on (no --validate=false).
    Result created = run(kubectl, kubeconfig, "apply", "-f",
        manifest(ns + "-good.yaml", backupYaml("nightly", "nightly-1")).toString());
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    assertThat(created.stdout()).contains("backup.backup.dcos.io/nightly created");
    Result unchanged = run(kubectl, kubeconfig, "apply", "-f", work.resolve(ns + "-good.yaml").toString());
    assertThat(unchanged.exitCode()).as(unchanged.stderr()).isZero();
    assertThat(unchanged.stdout()).contains("backup.backup.dcos.io/nightly unchanged");

    Result badPattern = run(kubectl, kubeconfig, "apply", "-f",
        manifest(ns + "-bad.yaml", backupYaml("bad", "a")).toString());
    assertThat(badPattern.exitCode()).isNotZero();
    assertThat(badPattern.stderr()).contains("The Backup \"bad\" is invalid: spec.label: Invalid value: \"a\": "
        + "spec.label in body should match '^[A-Za-z0-9_.-]{3,25}$'");

    Result badRule = run(kubectl, kubeconfig, "apply", "-f",
        manifest(ns + "-dots.yaml", backupYaml("dots", "..abc")).toString());
    assertThat(badRule.exitCode()).isNotZero();
    assertThat(badRule.stderr()).contains("The Backup \"dots\" is invalid: spec: Invalid value: \"object\": "
        + "label must not start with '..'");

    Result immutable = run(kubectl, kubeconfig, "apply", "-f",
        manifest(ns + "-changed.yaml", backupYaml("nightly", "nightly-2")).toString());
    assertThat(immutable.exitCode()).isNotZero();
    assertThat(immutable.stderr()).contains("spec: Invalid value: \"object\": spec is immutable");

    Result unknownField = run(kubectl, kubeconfig, "apply", "-f", manifest(ns + "-unknown.yaml",
        backupYaml("unknown", "unknown") + "  bogus: 1\n").toString());
    assertThat(unknownField.exitCode()).isNotZero();
    assertThat(unknownField.stderr()).contains("unknown field \"spec.bogus\"");

    // Printer columns; -o wide adds the priority-1 column; -o json is the object itself.
    Result table = run(kubectl, kubeconfig, "get", "backups");
    assertThat(table.exitCode()).as(table.stderr()).isZero();
    assertThat(table.stdout().lines().findFirst().orElse("")).matches("NAME\\s+ID\\s+LABEL\\s+STATUS\\s+AGE");
    assertThat(table.stdout()).containsPattern("nightly\\s+nightly-1\\s+\\d+s");
    Result wide = run(kubectl, kubeconfig, "get", "bk", "-o", "wide");
    assertThat(wide.stdout().lines().findFirst().orElse(""))
        .matches("NAME\\s+ID\\s+LABEL\\s+STATUS\\s+ZNODES\\s+AGE");
    Result json = run(kubectl, kubeconfig, "get", "backup", "nightly", "-o", "json");
    assertThat(Json.parse(json.stdout()).path("spec").path("label").asText()).isEqualTo("nightly-1");
    Result jsonList = run(kubectl, kubeconfig, "get", "backups", "-o", "json");
    assertThat(Json.parse(jsonList.stdout()).path("items").get(0).path("metadata").path("name").asText())
        .isEqualTo("nightly");

    // Watches: get -w and wait see a status change made by "the operator".
    CompletableFuture<Result> watch = CompletableFuture.supplyAsync(() -> uncheckedRun(kubectl, kubeconfig, 20,
        "get", "backups", "-w", "--request-timeout=8s"));
    CompletableFuture<Result> waitPhase = CompletableFuture.supplyAsync(() -> uncheckedRun(kubectl, kubeconfig, 30,
        "wait", "--for=jsonpath={.status.phase}=STATUS_READY", "backup/nightly", "--timeout=20s"));
    CompletableFuture<Result> waitCondition = CompletableFuture.supplyAsync(() -> uncheckedRun(kubectl, kubeconfig,
        30, "wait", "--for=condition=Ready", "backup/nightly", "--timeout=20s"));
    Thread.sleep(3000);
    client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS).inNamespace(ns).withName("nightly")
        .editStatus(b -> {
          b.setAdditionalProperty("status", Map.of("phase", "STATUS_READY", "id", "bk-42", "znodes", 7,
              "conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "Done"))));
          return b;
        });
    Result waited = waitPhase.get(40, TimeUnit.SECONDS);
    assertThat(waited.exitCode()).as(waited.stderr()).isZero();
    assertThat(waited.stdout()).contains("backup.backup.dcos.io/nightly condition met");
    Result conditioned = waitCondition.get(40, TimeUnit.SECONDS);
    assertThat(conditioned.exitCode()).as(conditioned.stderr()).isZero();
    Result watched = watch.get(40, TimeUnit.SECONDS);
    assertThat(watched.stdout()).containsPattern("nightly\\s+bk-42\\s+nightly-1\\s+STATUS_READY");
    // Resuming from the listed version: the existing object is not replayed as a second initial row.
    assertThat(watched.stdout().lines().filter(l -> l.startsWith("nightly")).count()).isEqualTo(2);
    assertThat(run(kubectl, kubeconfig, "get", "bk", "-o", "wide").stdout())
        .containsPattern("nightly\\s+bk-42\\s+nightly-1\\s+STATUS_READY\\s+7\\s+");

    // describe lists the events about the object.
    GenericKubernetesResource nightly = client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS)
        .inNamespace(ns).withName("nightly").get();
    client.v1().events().inNamespace(ns).resource(new EventBuilder()
        .withNewMetadata().withName("nightly.started").endMetadata()
        .withNewInvolvedObject().withApiVersion("backup.dcos.io/v1alpha1").withKind("Backup").withName("nightly")
        .withNamespace(ns).withUid(nightly.getMetadata().getUid()).endInvolvedObject()
        .withReason("BackupStarted").withMessage("Backing up /marathon").withType("Normal")
        .withNewSource().withComponent("marathon-backup-operator").endSource()
        .withFirstTimestamp(nightly.getMetadata().getCreationTimestamp())
        .withLastTimestamp(nightly.getMetadata().getCreationTimestamp()).withCount(1).build()).create();
    client.events().v1().events().inNamespace(ns).resource(
        new io.fabric8.kubernetes.api.model.events.v1.EventBuilder()
            .withNewMetadata().withName("nightly.done").endMetadata()
            .withNewRegarding().withApiVersion("backup.dcos.io/v1alpha1").withKind("Backup").withName("nightly")
            .withNamespace(ns).withUid(nightly.getMetadata().getUid()).endRegarding()
            .withReason("BackupCompleted").withNote("Stored 7 znodes").withType("Normal").withAction("Backup")
            .withReportingController("marathon-backup-operator").withReportingInstance("operator-0")
            .withEventTime(new io.fabric8.kubernetes.api.model.MicroTime(
                nightly.getMetadata().getCreationTimestamp().replace("Z", ".000000Z"))).build())
        .create();
    Result described = run(kubectl, kubeconfig, "describe", "backup", "nightly");
    assertThat(described.exitCode()).as(described.stderr()).isZero();
    assertThat(described.stdout()).containsPattern("Normal\\s+BackupCompleted\\s+.*marathon-backup-operator.*"
        + "Stored 7 znodes");
    assertThat(described.stdout()).containsPattern("Normal\\s+BackupStarted\\s+.*marathon-backup-operator\\s+"
        + "Backing up /marathon");

    Result explained = run(kubectl, kubeconfig, "explain", "backup.spec");
    assertThat(explained.exitCode()).as(explained.stderr()).isZero();
    assertThat(explained.stdout()).contains("label").contains("A human readable label.");

    // Deletion waits for finalizers, then completes when they are removed.
    Result finalizer = run(kubectl, kubeconfig, "patch", "backup", "nightly", "--type=merge", "-p",
        "{\"metadata\":{\"finalizers\":[\"backup.dcos.io/cleanup\"]}}");
    assertThat(finalizer.exitCode()).as(finalizer.stderr()).isZero();
    Result deleting = run(kubectl, kubeconfig, "delete", "backup", "nightly", "--wait=false");
    assertThat(deleting.exitCode()).as(deleting.stderr()).isZero();
    assertThat(deleting.stdout()).contains("backup.backup.dcos.io \"nightly\" deleted");
    assertThat(run(kubectl, kubeconfig, "get", "backup", "nightly", "-o", "jsonpath={.metadata.deletionTimestamp}")
        .stdout()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    CompletableFuture<Result> waitDeleted = CompletableFuture.supplyAsync(() -> uncheckedRun(kubectl, kubeconfig,
        30, "wait", "--for=delete", "backup/nightly", "--timeout=20s"));
    Thread.sleep(2000);
    Result released = run(kubectl, kubeconfig, "patch", "backup", "nightly", "--type=json", "-p",
        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    assertThat(released.exitCode()).as(released.stderr()).isZero();
    assertThat(waitDeleted.get(40, TimeUnit.SECONDS).exitCode()).isZero();
    Result gone = run(kubectl, kubeconfig, "get", "backup", "nightly");
    assertThat(gone.exitCode()).isNotZero();
    assertThat(gone.stderr()).contains("backups.backup.dcos.io \"nightly\" not found");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kubectls")
  void imperativeCreatesOfBuiltInsWork(String kubectl) throws Exception {
    Assumptions.assumeTrue(onPath("kubectl").isPresent(), "kubectl is not on PATH");
    String ns = "imp-" + Integer.toHexString(kubectl.hashCode());
    Path kubeconfig = api.writeKubeconfig(work.resolve(ns + ".kubeconfig"), ns);
    // These send protobuf bodies, not JSON.
    Result configMap = run(kubectl, kubeconfig, "create", "configmap", "settings", "--from-literal=zk=zk-1:2181");
    assertThat(configMap.exitCode()).as(configMap.stderr()).isZero();
    Result secret = run(kubectl, kubeconfig, "create", "secret", "generic", "zk-credentials",
        "--from-literal=digest=super:secret");
    assertThat(secret.exitCode()).as(secret.stderr()).isZero();
    Result namespace = run(kubectl, kubeconfig, "create", "namespace", ns + "-extra");
    assertThat(namespace.exitCode()).as(namespace.stderr()).isZero();
    assertThat(client.configMaps().inNamespace(ns).withName("settings").get().getData())
        .containsEntry("zk", "zk-1:2181");
    var stored = client.secrets().inNamespace(ns).withName("zk-credentials").get();
    assertThat(new String(java.util.Base64.getDecoder().decode(stored.getData().get("digest")),
        StandardCharsets.UTF_8)).isEqualTo("super:secret");
    assertThat(stored.getType()).isEqualTo("Opaque");
    assertThat(run(kubectl, kubeconfig, "get", "namespaces").stdout()).contains(ns + "-extra");
    // Client-side apply of a built-in kind sends a strategic merge patch on the second apply.
    Path cm = manifest(ns + "-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n"
        + "  a: \"1\"\n");
    assertThat(run(kubectl, kubeconfig, "apply", "-f", cm.toString()).exitCode()).isZero();
    manifest(ns + "-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"2\"\n");
    Result reapplied = run(kubectl, kubeconfig, "apply", "-f", cm.toString());
    assertThat(reapplied.exitCode()).as(reapplied.stderr()).isZero();
    assertThat(reapplied.stdout()).contains("configmap/applied configured");
    assertThat(client.configMaps().inNamespace(ns).withName("applied").get().getData()).containsEntry("a", "2");
  }

  @org.junit.jupiter.api.Test
  void theKubectlDispatcherRunsTheKubectlMatchingTheServerVersion() throws Exception {
    Optional<Path> kubectl = onPath("kubectl");
    Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on PATH");
    // The dispatcher is recognisable by the versioned binaries installed beside it.
    Assumptions.assumeTrue(Files.isExecutable(kubectl.get().toRealPath().resolveSibling("kubectl.1.27")),
        "kubectl on PATH is not the version dispatcher");
    try (EmbeddedKubeApi old = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(EmbeddedKubeApiTest.CRDS), 0,
        "1.27")) {
      Path kubeconfig = old.writeKubeconfig(work.resolve("v127.kubeconfig"), "default");
      Result version = run("kubectl", kubeconfig, "version", "-o", "json");
      assertThat(version.exitCode()).as(version.stderr()).isZero();
      assertThat(Json.parse(version.stdout()).path("serverVersion").path("minor").asText()).isEqualTo("27");
      assertThat(Json.parse(version.stdout()).path("clientVersion").path("minor").asText()).isEqualTo("27");
      Result apply = run("kubectl", kubeconfig, "apply", "-f",
          manifest("v127-bad.yaml", backupYaml("bad", "a")).toString());
      assertThat(apply.stderr()).contains("The Backup \"bad\" is invalid: spec.label");
    }
  }

  static Result uncheckedRun(String kubectl, Path kubeconfig, int timeoutSeconds, String... args) {
    try {
      return run(kubectl, kubeconfig, timeoutSeconds, args);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
