package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's first command, in-process: the whole demo must go as expected and exit 0. */
class SandboxOnceTest {

  @Test
  void theDemoRunsToTheEndAndExitsZero(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Path backups = dir.resolve("backups");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    int exitCode;
    try (PrintStream tee = new PrintStream(new TeeStream(originalOut, captured), true, StandardCharsets.UTF_8)) {
      System.setOut(tee);
      exitCode = new CommandLine(new Main()).execute("sandbox", "--once", "--kubeconfig", kubeconfig.toString(),
          "--backup-dir", backups.toString(), "--timeout", "120");
    } finally {
      System.setOut(originalOut);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    assertThat(exitCode).as(output).isZero();
    assertThat(kubeconfig).isRegularFile();
    assertThat(output)
        .contains("Backup before-upgrade reaches STATUS_READY")
        .contains("Restore restore-before-upgrade reaches STATUS_READY")
        .contains("app /demo/api is back in Marathon")
        .contains("STATUS_BACKING_UP").contains("STATUS_RESTORING");
    try (Stream<Path> archives = Files.list(backups)) {
      assertThat(archives.map(p -> p.getFileName().toString()))
          .as("the backup and the restore's safety snapshot")
          .anyMatch(name -> name.startsWith("before-upgrade-"))
          .anyMatch(name -> name.startsWith("pre-restore-"));
    }
  }

  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.OutputStream second;

    TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
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
