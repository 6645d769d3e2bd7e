package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;
import io.dcos.backup.sandbox.OnSharedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.sandbox.kubeapi.EmbeddedKubeApi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `kubectl backup` in-process against the shared world: the DC/OS verbs, their output and their errors. */
class KubectlBackupCommandTest extends OnSharedWorld {
  private static final String ID = "[A-Za-z0-9_.-]+-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  record Run(int exitCode, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private Run plugin(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = KubectlBackupCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  /** A kubeconfig whose context namespace is {@code ns}. */
  private String kubeconfig(String ns) throws Exception {
    return world.writeKubeconfig(dir.resolve("kubeconfig-" + ns), ns).toString();
  }

  @Test
  void createListShowRestoreDeleteAsTheDcosCli() throws Exception {
    String ns = SharedWorld.namespace("cli");
    String kubeconfig = kubeconfig(ns);

    Run created = plugin("--kubeconfig", kubeconfig, "create", "--label=Cli_Snap.1", "--wait");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String id = created.lines().get(0);
    assertThat(id).matches(ID).startsWith("Cli_Snap.1-");
    assertThat(created.out()).contains("STATUS_BACKING_UP").contains("STATUS_READY");
    Backup backup = client.resources(Backup.class).inNamespace(ns).list().getItems().get(0);
    assertThat(backup.getMetadata().getName()).as("a DNS-1123 name derived from the label")
        .matches("cli-snap-1-[a-z0-9]{5}");
    assertThat(backup.getStatus().id()).isEqualTo(id);

    Run list = plugin("list", "--kubeconfig", kubeconfig);
    assertThat(list.exitCode()).isZero();
    assertThat(list.lines().get(0)).matches("BACKUP ID +VERSION +STATUS +TIMESTAMP");
    assertThat(list.lines().get(1)).matches(java.util.regex.Pattern.quote(id) + " +"
        + java.util.regex.Pattern.quote(backup.getStatus().marathonVersion()) + " +STATUS_READY +\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(list.lines().get(1).indexOf("STATUS_READY")).as("columns aligned under their headers")
        .isEqualTo(list.lines().get(0).indexOf("STATUS"));
    assertThat(plugin("--kubeconfig", kubeconfig, "list", "Nope").lines()).hasSize(1);
    assertThat(plugin("--kubeconfig", kubeconfig, "list", "Cli_").lines()).hasSize(2);

    Run restored = plugin("--kubeconfig", kubeconfig, "restore", id, "--wait");
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(restored.out()).contains("STATUS_RESTORING").contains("STATUS_READY");
    Restore restore = client.resources(Restore.class).inNamespace(ns).list().getItems().get(0);
    assertThat(restore.getSpec().backupId()).isEqualTo(id);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Run show = plugin("--kubeconfig", kubeconfig, "show", id);
      assertThat(show.exitCode()).isZero();
      JsonNode record = JSON.readTree(show.out());
      assertThat(record.path("id").asText()).isEqualTo(id);
      assertThat(record.path("cluster").asText()).isEqualTo("default");
      assertThat(record.path("status").asText()).isEqualTo("STATUS_READY");
      assertThat(record.path("timestamp").asText()).isEqualTo(backup.getStatus().timestamp());
      assertThat(record.path("component_status").path("marathon").path("status").asText()).isEqualTo("STATUS_READY");
      // What Marathon paid, as status says it: the leaderless window and what the pre-copy re-read under the fence.
      assertThat(record.path("marathon_leaderless_seconds").asDouble())
          .isEqualTo(backup.getStatus().marathonLeaderlessSeconds()).isPositive();
      assertThat(backup.getStatus().preCopy()).as("a fenced backup copies most of the state before the fence")
          .isNotNull();
      assertThat(record.path("pre_copy").path("rounds").asInt()).isEqualTo(backup.getStatus().preCopy().rounds());
      assertThat(record.path("pre_copy").path("znodes_reread").asLong())
          .isEqualTo(backup.getStatus().preCopy().znodesReread());
      assertThat(record.path("restores")).hasSize(1);
      JsonNode restoreRecord = record.path("restores").get(0);
      assertThat(restoreRecord.path("id").asText()).isEqualTo(restore.getMetadata().getName());
      assertThat(restoreRecord.path("component_status").path("marathon").path("status").asText())
          .isEqualTo("STATUS_READY");
    });

    Run json = plugin("--kubeconfig", kubeconfig, "list", "--json");
    JsonNode records = JSON.readTree(json.out());
    assertThat(records.isArray()).isTrue();
    assertThat(records).hasSize(1);
    assertThat(records.get(0).path("id").asText()).isEqualTo(id);
    assertThat(records.get(0).path("restores").get(0).path("status").asText()).isEqualTo("STATUS_READY");

    Run deleted = plugin("--kubeconfig", kubeconfig, "delete", id);
    assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(Backup.class).inNamespace(ns).list()
        .getItems().isEmpty());
    assertThat(world.service().archive(id)).isEmpty();
  }

  @Test
  void namespaceOptionWorksBeforeAndAfterTheVerb() throws Exception {
    String ns = SharedWorld.namespace("cli-ns");
    String kubeconfig = kubeconfig("default");
    kubeconfig(ns);
    Run created = plugin("--kubeconfig", kubeconfig, "-n", ns, "create", "--label=nsopt");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String id = created.lines().get(0);
    assertThat(id).startsWith("nsopt-");
    assertThat(client.resources(Backup.class).inNamespace(ns).list().getItems()).hasSize(1);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(plugin("list", "--kubeconfig", kubeconfig, "--namespace", ns).out()).contains(id));
    assertThat(plugin("list", "--kubeconfig", kubeconfig).out()).doesNotContain(id);
  }

  @Test
  void invalidLabelsAndUnknownIdsFailWithOneLine() throws Exception {
    String ns = SharedWorld.namespace("cli-err");
    String kubeconfig = kubeconfig(ns);
    for (String label : List.of("..x", "ab", "has space", "a-label-that-is-far-too-long-for-dcos")) {
      Run run = plugin("--kubeconfig", kubeconfig, "create", "--label=" + label);
      assertThat(run.exitCode()).as(label).isEqualTo(1);
      assertThat(run.err().lines()).as(label).singleElement().asString().startsWith("error: invalid label: ");
      assertThat(run.out()).isEmpty();
    }
    String unknown = "nosuch-7c1e5a52-2f0c-4d6e-9a51-0d6f2c3b4a10";
    for (String verb : List.of("show", "delete", "restore")) {
      Run run = plugin("--kubeconfig", kubeconfig, verb, unknown);
      assertThat(run.exitCode()).as(verb).isEqualTo(1);
      assertThat(run.err().lines()).as(verb).singleElement()
          .isEqualTo("error: backup \"" + unknown + "\" not found in namespace \"" + ns + "\"");
    }
    assertThat(client.resources(Backup.class).inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.resources(Restore.class).inNamespace(ns).list().getItems()).isEmpty();

    Run missingConfig = plugin("--kubeconfig", dir.resolve("nope").toString(), "list");
    assertThat(missingConfig.exitCode()).isEqualTo(1);
    assertThat(missingConfig.err().lines()).singleElement().asString().contains("does not exist");
  }

  @Test
  void restoreWaitExitsNonZeroWhenTheRestoreFails() throws Exception {
    String ns = SharedWorld.namespace("cli-fail");
    String kubeconfig = kubeconfig(ns);
    Run created = plugin("--kubeconfig", kubeconfig, "create", "--label=lost-archive", "--wait");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String id = created.lines().get(0);
    Backup backup = client.resources(Backup.class).inNamespace(ns).list().getItems().get(0);
    Files.delete(Path.of(backup.getStatus().location()));

    Run restored = plugin("--kubeconfig", kubeconfig, "restore", id, "--wait");

    assertThat(restored.exitCode()).as(restored.toString()).isEqualTo(1);
    assertThat(restored.out()).as(restored.toString()).contains("STATUS_ERROR");
    assertThat(restored.err().lines()).singleElement().asString()
        .startsWith("error: restore restore-lost-archive-").contains("of backup " + id + " failed: ");
  }

  @Test
  void aClusterWithoutTheCrdsSaysTheOperatorIsNotInstalled() throws Exception {
    try (EmbeddedKubeApi bare = EmbeddedKubeApi.start(List.of(), 0)) {
      String kubeconfig = bare.writeKubeconfig(dir.resolve("bare"), "default").toString();
      for (String[] args : List.of(new String[] {"list"}, new String[] {"show", "x-y"},
          new String[] {"create", "--label=nocrd"})) {
        String[] full = new String[args.length + 2];
        full[0] = "--kubeconfig";
        full[1] = kubeconfig;
        System.arraycopy(args, 0, full, 2, args.length);
        Run run = plugin(full);
        assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(1);
        assertThat(run.err().lines()).as(String.join(" ", args)).singleElement().asString()
            .contains("is the marathon-backup-operator installed?");
      }
    }
  }
}
