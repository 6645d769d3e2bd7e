package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, in-process: the whole demo must go as expected and exit 0. */
class SandboxOnceTest {

  @Test
  void theDemoRunsToTheEndAndExitsZero(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Path backups = dir.resolve("backups");
    CommandRun run = CommandRun.of("sandbox", "--once", "--kubeconfig", kubeconfig.toString(),
        "--backup-dir", backups.toString(), "--timeout", "120");
    String output = run.out();
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(kubeconfig).isRegularFile();
    assertThat(output)
        .contains("Backup before-upgrade reaches STATUS_READY")
        .contains("Restore restore-before-upgrade reaches STATUS_READY")
        .contains("app /demo/api is back in Marathon")
        .contains("STATUS_BACKING_UP").contains("STATUS_RESTORING");
    assertThat(output).as("two Marathons on one ZooKeeper: both backed up, the MoM restored, the native untouched")
        .contains("✔ MarathonCluster marathon-user (the Marathon on Marathon at /marathon-user) is Ready")
        .contains("✔ back up both Marathons at once")
        .contains("✔ Restore user (of Backup user, into marathon-user) reaches STATUS_READY")
        .contains("✔ app /user/report is back in the Marathon on Marathon")
        .contains("✔ the native Marathon is untouched: same apps, and its leader never abdicated");
    assertThat(output).as("the demo creates the objects through the API; it says so, not that it ran kubectl")
        .contains("applying examples/backup.yaml", "applying examples/restore.yaml")
        .doesNotContain("kubectl apply -f examples/backup.yaml");
    try (Stream<Path> archives = Files.list(backups)) {
      assertThat(archives.map(p -> p.getFileName().toString()))
          .as("the backup and the restore's safety snapshot")
          .anyMatch(name -> name.startsWith("before-upgrade-"))
          .anyMatch(name -> name.startsWith("pre-restore-"));
    }
  }

  @Test
  void zkWithoutMarathonIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
    try (TestingServer users = new TestingServer(true)) {
      CommandRun run = CommandRun.of("sandbox", "--once", "--zk", "zk://" + users.getConnectString() + "/marathon",
          "--kubeconfig", dir.resolve("kubeconfig").toString(), "--backup-dir", dir.resolve("backups").toString());
      assertThat(run.exitCode()).as(run.toString()).isNotZero();
      assertThat(run.commandErr().lines().toList()).as(run.toString()).singleElement().asString()
          .startsWith("sandbox: --zk needs --marathon")
          .contains("leader election");
      assertThat(run.out()).as("nothing was started").doesNotContain("ZooKeeper:", "Marathon:", "kubeconfig:");
      assertThat(dir.resolve("kubeconfig")).doesNotExist();
      ZooKeeper zk = new ZooKeeper(users.getConnectString(), 10_000, event -> { });
      try {
        assertThat(zk.exists("/marathon", false)).as("nothing was written into the user's ZooKeeper").isNull();
      } finally {
        zk.close();
      }
    }
  }

  @Test
  void marathonWithoutZkIsRefused(@TempDir Path dir) {
    CommandRun run = CommandRun.of("sandbox", "--once", "--marathon", "http://127.0.0.1:1",
        "--kubeconfig", dir.resolve("kubeconfig").toString(), "--backup-dir", dir.resolve("backups").toString());
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    assertThat(run.commandErr().lines().toList()).as(run.toString()).singleElement().asString()
        .startsWith("sandbox: --marathon needs --zk");
    assertThat(dir.resolve("kubeconfig")).doesNotExist();
  }

  /** A staging Marathon (here: a simulator the sandbox did not start) is backed up, never restored by the demo. */
  @Test
  void withAnExistingZooKeeperAndMarathonTheDemoBacksUpAndPrintsHowToRestore(@TempDir Path dir) throws Exception {
    try (EmbeddedWorld staging = SharedWorld.builder(2, dir.resolve("unused")).withKubernetes(false).start()) {
      Path kubeconfig = dir.resolve("kubeconfig");
      Path backups = dir.resolve("backups");
      String zkUrl = "zk://" + staging.zookeeper().connectString() + staging.zookeeper().path();
      CommandRun run = CommandRun.of("sandbox", "--once", "--zk", zkUrl, "--marathon", staging.marathonUrl().toString(),
          "--kubeconfig", kubeconfig.toString(), "--backup-dir", backups.toString(), "--timeout", "120");
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out())
          .contains("Backup before-upgrade reaches STATUS_READY")
          .contains("not restoring automatically")
          .contains("KUBECONFIG=" + kubeconfig.toAbsolutePath() + " kubectl apply -f examples/restore.yaml")
          .doesNotContain("Restore restore-before-upgrade", "applying examples/restore.yaml", "STATUS_RESTORING");
      try (Stream<Path> archives = Files.list(backups)) {
        assertThat(archives.map(p -> p.getFileName().toString()))
            .as("the backup, and no safety snapshot: nothing was restored")
            .anyMatch(name -> name.startsWith("before-upgrade-"))
            .noneMatch(name -> name.startsWith("pre-restore-"));
      }
    }
  }
}
