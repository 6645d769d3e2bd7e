package io.dcos.backup.image;

import static io.dcos.backup.crash.CrashSupport.awaitTerminal;
import static io.dcos.backup.crash.CrashSupport.message;
import static io.dcos.backup.crash.CrashSupport.phase;
import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.crash.ChildOperator;
import io.dcos.backup.crash.CrashSupport;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar deploy/Dockerfile ships ({@code target/marathon-backup-operator-image.jar}, made in the package phase, hence
 * an integration test): it carries the operator and the kubectl plugin and none of the harness, and the operator
 * started from it alone (no test classpath) backs up and restores Marathon.
 */
@Tag("slow")
class OperatorImageIT {
  private static final Path IMAGE = Path.of("target", "marathon-backup-operator-image.jar");
  private static final Path FULL = Path.of("target", "marathon-backup-operator.jar");
  private static final Duration BOUND = Duration.ofSeconds(120);
  /** Where the harness's classes live: its own packages and the libraries only it uses. */
  private static final List<String> HARNESS = List.of("io/dcos/backup/sandbox/", "io/dcos/backup/simulator/",
      "io/dcos/backup/bench/", "io/dcos/backup/tools/", "io/dcos/backup/release/", "io/dcos/backup/cli/Main.class",
      "io/dcos/backup/cli/SandboxCommand", "examples/", "election-peer/", "io/fabric8/kubernetes/client/server/mock/",
      "io/fabric8/mockwebserver/", "io/vertx/", "org/apache/curator/test/", "org/gaul/", "org/jclouds/",
      "org/eclipse/jetty/", "com/amazonaws/", "com/google/inject/");

  @TempDir
  static Path work;
  private static EmbeddedWorld world;
  private static ChildOperator operator;

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (world != null) {
      world.close();
    }
  }

  @Test
  void theImageJarHoldsTheOperatorAndTheKubectlPluginAndNoneOfTheHarness() throws IOException {
    assertThat(IMAGE).as("built by mvn package").exists();
    List<String> entries;
    try (JarFile jar = new JarFile(IMAGE.toFile())) {
      entries = jar.stream().map(JarEntry::getName).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.dcos.backup.cli.OperatorImageMain");
    }
    assertThat(entries).contains("io/dcos/backup/cli/OperatorImageMain.class",
        "io/dcos/backup/cli/OperatorCommand.class", "io/dcos/backup/cli/KubectlBackupCommand.class",
        "io/dcos/backup/engine/BackupService.class", "io/dcos/backup/operator/OperatorRuntime.class",
        "org/apache/curator/framework/recipes/leader/LeaderLatch.class",
        "software/amazon/awssdk/services/s3/S3Client.class", "logback.xml");
    assertThat(entries.stream().filter(e -> HARNESS.stream().anyMatch(e::startsWith)).toList())
        .as("harness classes in the image jar").isEmpty();
    System.out.printf("image jar %.1f MB, full jar %.1f MB%n", Files.size(IMAGE) / 1e6, Files.size(FULL) / 1e6);
    assertThat(Files.size(IMAGE)).isLessThan(Files.size(FULL) * 3 / 4);
  }

  @Test
  void theImageJarOffersTheOperatorAndThePluginAndRefusesTheHarnessCommands() throws Exception {
    Run help = run("--help");
    assertThat(help.code()).as(help.output()).isZero();
    assertThat(help.output()).contains("operator", "kubectl-backup").doesNotContain("sandbox", "bench");
    Run sandbox = run("sandbox");
    assertThat(sandbox.code()).as(sandbox.output()).isEqualTo(2);
    assertThat(sandbox.output()).contains("sandbox");
    Run plugin = run("kubectl-backup", "--help");
    assertThat(plugin.code()).as(plugin.output()).isZero();
  }

  @Test
  void theOperatorStartedFromTheImageJarBacksUpAndRestores() throws Exception {
    world = EmbeddedWorld.builder().withOperator(false).backupDirectory(work.resolve("backups")).start();
    operator = ChildOperator.startFromJar(world, work, "image-operator", IMAGE, Map.of());
    KubernetesClient client = world.client();
    String ns = CrashSupport.createNamespace(client, "image");
    client.resource(CrashSupport.backup(ns, "from-image", "image")).create();
    Backup backup = awaitTerminal(client, Backup.class, ns, "from-image", BOUND);
    assertThat(phase(backup)).as("%s; the operator's log:%n%s", message(backup), operator.output())
        .isEqualTo(Phase.STATUS_READY);
    client.resource(CrashSupport.restore(ns, "into-marathon", backup.getStatus().id())).create();
    Restore restore = awaitTerminal(client, Restore.class, ns, "into-marathon", BOUND);
    assertThat(phase(restore)).as("%s; the operator's log:%n%s", message(restore), operator.output())
        .isEqualTo(Phase.STATUS_READY);
    assertThat(operator.output()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
  }

  private record Run(int code, String output) {}

  private static Run run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", IMAGE.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }
}
