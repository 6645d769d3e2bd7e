package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sandbox --zookeeper VERSION --election curator-4.0.1}: the demo on a server process of another release, with
 * Marathon's own election code. Tagged "compat": it resolves old releases' jars from Maven Central.
 */
@Tag("compat")
class SandboxOnReleasesTest {

  private record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private static Run main(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    int exitCode;
    try (PrintStream teeOut = new PrintStream(new Tee(originalOut, out), true, StandardCharsets.UTF_8);
         PrintStream teeErr = new PrintStream(new Tee(originalErr, err), true, StandardCharsets.UTF_8)) {
      System.setOut(teeOut);
      System.setErr(teeErr);
      exitCode = new CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** DC/OS's own ZooKeeper release; on 3.4 the simulator elects with Marathon's Curator 4.0.1 by itself. */
  @Test
  void theDemoRunsOnTheZooKeeperOfDcos(@TempDir Path dir) {
    Run run = main("sandbox", "--once", "--zookeeper", "3.4.14",
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
    Run run = main("sandbox", "--once", "--zookeeper", "3.4.14", "--election", "in-process",
        "--kubeconfig", dir.resolve("kubeconfig").toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(run.err()).startsWith("sandbox: --election: ").contains("create2").contains("curator-4.0.1");
    assertThat(run.out()).doesNotContain("ZooKeeper:");
  }

  @Test
  void unknownElectionAndServerChoicesAreRefused(@TempDir Path dir) {
    Run unknown = main("sandbox", "--once", "--election", "zab", "--kubeconfig", dir.resolve("k").toString());
    assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(unknown.err()).contains("unknown election 'zab'").contains("in-process, curator-4.0.1");
    Run both = main("sandbox", "--once", "--zookeeper", "3.5.10", "--zk", "zk://127.0.0.1:1/marathon",
        "--marathon", "http://127.0.0.1:1", "--kubeconfig", dir.resolve("k").toString());
    assertThat(both.exitCode()).as(both.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(both.err()).contains("--zookeeper VERSION").contains("--zk");
  }

  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }
}
