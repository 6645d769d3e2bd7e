package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sandbox --zookeeper VERSION --election curator-4.0.1}: the demo on a server process of another release, with
 * Marathon's own election code. Tagged "compat": it resolves old releases' jars from Maven Central.
 */
@Tag("compat")
class SandboxOnReleasesTest {

  @Test
  void theDemoRunsOnTheZooKeeperOfDcos(@TempDir Path dir) {
    CommandRun run = CommandRun.of("sandbox", "--once", "--zookeeper", "3.4.14",
        "--release-cache", Path.of("target", "release-jars").toAbsolutePath().toString(),
        "--kubeconfig", dir.resolve("kubeconfig").toString(), "--backup-dir", dir.resolve("backups").toString(),
        "--timeout", "120");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("(server process, release 3.4.14)")
        .contains("(simulator, election curator-4.0.1)")
        .contains("Backup before-upgrade reaches STATUS_READY")
        .contains("Restore restore-before-upgrade reaches STATUS_READY")
        .contains("app /demo/api is back in Marathon");
  }

  @Test
  void curator5OnA34ServerIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
    CommandRun run = CommandRun.of("sandbox", "--once", "--zookeeper", "3.4.14", "--election", "in-process",
        "--kubeconfig", dir.resolve("kubeconfig").toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(run.commandErr()).startsWith("sandbox: --election: ").contains("create2").contains("curator-4.0.1");
    assertThat(run.out()).doesNotContain("ZooKeeper:");
  }

  @Test
  void unknownElectionAndServerChoicesAreRefused(@TempDir Path dir) {
    CommandRun unknown = CommandRun.of("sandbox", "--once", "--election", "zab",
        "--kubeconfig", dir.resolve("k").toString());
    assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(unknown.err()).contains("unknown election 'zab'").contains("in-process, curator-4.0.1");
    CommandRun both = CommandRun.of("sandbox", "--once", "--zookeeper", "3.5.10", "--zk", "zk://127.0.0.1:1/marathon",
        "--marathon", "http://127.0.0.1:1", "--kubeconfig", dir.resolve("k").toString());
    assertThat(both.exitCode()).as(both.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(both.err()).contains("--zookeeper VERSION").contains("--zk");
  }

}
