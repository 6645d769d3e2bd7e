package io.dcos.backup.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.sandbox.OnSharedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real kubectl (the machine's dispatcher, and the oldest kubectl it dispatches to) against the shared world's API
 * server: what a user types from the README, with the examples as they are in the repository.
 */
class KubectlEndToEndTest extends OnSharedWorld {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  static Stream<Path> kubectls() {
    return Kubectl.defaultOldestAndNewest().stream();
  }

  private Kubectl kubectl(Path binary, String namespacePrefix) throws Exception {
    String ns = SharedWorld.namespace(namespacePrefix);
    Path kubeconfig = world.writeKubeconfig(dir.resolve("kubeconfig"), ns);
    return Kubectl.of(binary, kubeconfig, dir);
  }

  private static String namespace(Kubectl kubectl) {
    return kubectl.ok("config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}").strip();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kubectls")
  void applyWaitGetDescribeRestoreDelete(Path binary) throws Exception {
    Kubectl kubectl = kubectl(binary, "kubectl");
    String ns = namespace(kubectl);

    assertThat(kubectl.ok("apply", "-f", "examples/backup.yaml"))
        .isEqualTo("backup.backup.dcos.io/before-upgrade created\n");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "backup/before-upgrade", "--timeout=120s"))
        .isEqualTo("backup.backup.dcos.io/before-upgrade condition met\n");

    List<String> table = kubectl.ok("get", "backups").lines().toList();
    assertThat(table.get(0)).matches("NAME +ID +LABEL +STATUS +ZNODES +SIZE +AGE");
    assertThat(table.get(1)).matches("before-upgrade +before-upgrade-[0-9a-f-]{36} +before-upgrade +STATUS_READY"
        + " +[1-9]\\d* +[0-9.]+ (B|KiB|MiB|GiB) +\\d+s");
    assertThat(kubectl.ok("get", "mbk", "-o", "name")).as("short name").isEqualTo("backup.backup.dcos.io/before-upgrade\n");

    JsonNode backup = JSON.readTree(kubectl.ok("get", "backup", "before-upgrade", "-o", "json"));
    assertThat(backup.path("kind").asText()).isEqualTo("Backup");
    assertThat(backup.path("status").path("phase").asText()).isEqualTo("STATUS_READY");
    assertThat(backup.path("status").path("observedGeneration").asLong())
        .isEqualTo(backup.path("metadata").path("generation").asLong());
    String id = backup.path("status").path("id").asText();

    assertThat(kubectl.ok("apply", "-f", "examples/restore.yaml"))
        .isEqualTo("restore.backup.dcos.io/restore-before-upgrade created\n");
    kubectl.ok("wait", "--for=condition=Ready", "restore/restore-before-upgrade", "--timeout=120s");
    assertThat(kubectl.ok("get", "restores").lines().toList()).satisfies(lines -> {
      assertThat(lines.get(0)).matches("NAME +BACKUP ID +STATUS +AGE");
      assertThat(lines.get(1)).matches("restore-before-upgrade +" + id + " +STATUS_READY +\\d+s");
    });

    String described = kubectl.ok("describe", "backup", "before-upgrade");
    assertThat(described).contains("Name:         before-upgrade", "Namespace:    " + ns, "Events:")
        .containsPattern("Normal +BackingUp +.*marathon-backup-operator +backup " + id + " started")
        .containsPattern("Normal +Ready +.*backup " + id + " is ready");

    // A failure is a condition too: `kubectl wait --for=condition=Failed` returns as soon as it is set.
    String missing = String.join("\n", "apiVersion: backup.dcos.io/v1alpha1", "kind: Restore", "metadata:",
        "  name: of-a-missing-backup", "spec:", "  backupId: nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10", "");
    assertThat(kubectl.runWithInput(missing, "apply", "-f", "-").exitCode()).isZero();
    assertThat(kubectl.ok("wait", "--for=condition=Failed", "restore/of-a-missing-backup", "--timeout=60s"))
        .isEqualTo("restore.backup.dcos.io/of-a-missing-backup condition met\n");
    assertThat(kubectl.ok("describe", "restore", "of-a-missing-backup"))
        .containsPattern("Warning +Failed +.*nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10");
    assertThat(kubectl.ok("get", "restore", "of-a-missing-backup",
        "-o", "jsonpath={.status.conditions[?(@.type==\"Failed\")].reason}")).isEqualTo("BackupNotFound");

    // Deleting waits for the operator's finalizer, which deletes the archive.
    assertThat(kubectl.ok("delete", "backup", "before-upgrade", "--timeout=60s"))
        .isEqualTo("backup.backup.dcos.io \"before-upgrade\" deleted\n");
    assertThat(world.service().archive(id)).isEmpty();
    Kubectl.Result none = kubectl.run("get", "backups");
    assertThat(none.exitCode()).isZero();
    assertThat(none.err()).isEqualTo("No resources found in " + ns + " namespace.\n");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kubectls")
  void invalidLabelsAreRejectedAsByARealCluster(Path binary) throws Exception {
    Kubectl kubectl = kubectl(binary, "invalid");
    Path dotdot = writeBackup("bad-dotdot", "..x");
    Path tooShort = writeBackup("bad-short", "ab");
    Path dash = writeBackup("bad-dash", "-abc");

    // The pattern (the DC/OS rule) and the CEL rule saying it in words both fail, and a real API server reports both.
    Kubectl.Result startsWithDots = kubectl.run("apply", "-f", dotdot.toString());
    assertThat(startsWithDots.exitCode()).isNotZero();
    assertThat(startsWithDots.err()).isEqualTo(badStart("bad-dotdot", "..x"));
    Kubectl.Result startsWithDash = kubectl.run("apply", "-f", dash.toString());
    assertThat(startsWithDash.exitCode()).isNotZero();
    assertThat(startsWithDash.err()).isEqualTo(badStart("bad-dash", "-abc"));

    Kubectl.Result shortLabel = kubectl.run("apply", "-f", tooShort.toString());
    assertThat(shortLabel.exitCode()).isNotZero();
    assertThat(shortLabel.err()).isEqualTo("The Backup \"bad-short\" is invalid: spec.label: Invalid value: \"ab\": "
        + "spec.label in body should match '^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$'\n");

    Kubectl.Result nothing = kubectl.run("get", "backups", "-o", "name");
    assertThat(nothing.out()).isEmpty();
  }

  /** What kubectl prints for a label that fails both the pattern and the CEL rule on its first two characters. */
  private static String badStart(String name, String label) {
    return "The Backup \"" + name + "\" is invalid: \n"
        + "* spec.label: Invalid value: \"" + label + "\": spec.label in body should match "
        + "'^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$'\n"
        + "* spec.label: Invalid value: \"object\": label must start with two letters, digits or '_' (not '.' or '-')\n";
  }

  @Test
  void thePluginDrivesTheDcosVerbsThroughKubectl() throws Exception {
    Kubectl kubectl = kubectl(Kubectl.defaultBinary(), "plugin");
    assertThat(kubectl.ok("plugin", "list")).contains("kubectl-backup");

    Kubectl.Result created = kubectl.run("backup", "create", "--label=via-plugin", "--wait");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String id = created.lines().get(0);
    assertThat(id).matches("via-plugin-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(created.out()).contains("STATUS_BACKING_UP", "STATUS_READY");

    List<String> list = kubectl.ok("backup", "list").lines().toList();
    assertThat(list.get(0)).matches("BACKUP ID +VERSION +STATUS +TIMESTAMP");
    assertThat(list.get(1)).startsWith(id).contains("STATUS_READY");

    Kubectl.Result restored = kubectl.run("backup", "restore", id, "--wait");
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(restored.out()).contains("STATUS_RESTORING", "STATUS_READY");

    JsonNode shown = JSON.readTree(kubectl.ok("backup", "show", id));
    assertThat(shown.path("id").asText()).isEqualTo(id);
    assertThat(shown.path("status").asText()).isEqualTo("STATUS_READY");
    assertThat(shown.path("restores").get(0).path("component_status").path("marathon").path("status").asText())
        .isIn("STATUS_RESTORING", "STATUS_READY");

    Kubectl.Result invalid = kubectl.run("backup", "create", "--label=..x");
    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.err().lines().toList()).singleElement().asString()
        .isEqualTo("error: invalid label: label \"..x\" must not start with '.': its first two characters must be "
            + "letters, digits or '_'");
    Kubectl.Result secondDash = kubectl.run("backup", "create", "--label=a-bc");
    assertThat(secondDash.exitCode()).isEqualTo(1);
    assertThat(secondDash.err().lines().toList()).singleElement().asString()
        .isEqualTo("error: invalid label: label \"a-bc\" must not have '-' as its second character: its first two "
            + "characters must be letters, digits or '_'");

    Kubectl.Result unknown = kubectl.run("backup", "show", "nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err().lines().toList()).singleElement().asString().contains("not found");

    assertThat(kubectl.ok("backup", "delete", id)).contains(id, "deleted");
    await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.ok("get", "backups", "-o", "name").isEmpty());
    assertThat(world.service().archive(id)).isEmpty();
  }

  /**
   * What `kubectl apply -f examples/` does — and why examples/restore.yaml warns against it on a real cluster: the
   * directory, as it is in the repository, creates the Backup, the Restore and the BackupSchedule in one go, and the
   * Restore waits for the Backup and then restores it.
   */
  @Test
  void applyingTheExamplesDirectoryBacksUpAndThenRestores() throws Exception {
    Kubectl kubectl = kubectl(Kubectl.defaultBinary(), "examples");
    Kubectl.Result applied = kubectl.run("apply", "-f", "examples/");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.lines()).as(applied.toString()).containsExactly(
        "backup.backup.dcos.io/before-upgrade created",
        "restore.backup.dcos.io/restore-before-upgrade created",
        "backupschedule.backup.dcos.io/nightly created");

    assertThat(kubectl.ok("wait", "--for=condition=Ready", "backup/before-upgrade", "--timeout=120s"))
        .isEqualTo("backup.backup.dcos.io/before-upgrade condition met\n");
    assertThat(kubectl.ok("wait", "--for=condition=Ready", "restore/restore-before-upgrade", "--timeout=120s"))
        .isEqualTo("restore.backup.dcos.io/restore-before-upgrade condition met\n");
    JsonNode backup = JSON.readTree(kubectl.ok("get", "backup", "before-upgrade", "-o", "json"));
    JsonNode restore = JSON.readTree(kubectl.ok("get", "restore", "restore-before-upgrade", "-o", "json"));
    assertThat(backup.path("status").path("phase").asText()).isEqualTo("STATUS_READY");
    assertThat(restore.path("status").path("phase").asText()).isEqualTo("STATUS_READY");
    assertThat(restore.path("status").path("backupId").asText()).as("the Restore restored that very Backup")
        .isEqualTo(backup.path("status").path("id").asText());
    assertThat(restore.path("status").path("safetySnapshotId").asText()).startsWith("pre-restore-");
    assertThat(kubectl.ok("get", "backupschedule", "nightly", "-o", "jsonpath={.spec.schedule}"))
        .isEqualTo("0 3 * * *");

    // Leave nothing that could fire at 03:00 UTC in the shared world.
    kubectl.ok("delete", "backupschedule", "nightly");
    kubectl.ok("delete", "restore", "restore-before-upgrade");
    kubectl.ok("delete", "backup", "before-upgrade", "--timeout=60s");
  }

  private Path writeBackup(String name, String label) throws Exception {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, String.join("\n", "apiVersion: backup.dcos.io/v1alpha1", "kind: Backup", "metadata:",
        "  name: " + name, "spec:", "  label: \"" + label + "\"", ""));
    return file;
  }
}
