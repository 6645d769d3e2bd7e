package io.dcos.backup.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Exit code, stdout and stderr of one in-process run of the jar's command line (echoed to the test's output). */
record CommandRun(int exitCode, String out, String err) {

  static CommandRun of(String... args) {
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
    return new CommandRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A log record's first line: time, level, logger, [thread]. */
  private static final java.util.regex.Pattern LOG_RECORD =
      java.util.regex.Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+ +[A-Z]+ +\\S+ \\[([^\\]]+)\\].*");

  /**
   * Stderr without log records (and their stack traces) written by threads other than the command's: clients of
   * worlds that earlier tests in this JVM closed may still log while they give up connecting.
   */
  String commandErr() {
    StringBuilder kept = new StringBuilder();
    boolean skipping = false;
    for (String line : err.split("\n", -1)) {
      java.util.regex.Matcher record = LOG_RECORD.matcher(line);
      if (record.matches()) {
        skipping = !record.group(1).equals("main");
      } else if (skipping && (line.startsWith("\t") || line.startsWith("Caused by:")
          || line.matches("^[\\w.$]+(Exception|Error)(: .*)?$"))) {
        continue;
      } else {
        skipping = false;
      }
      if (!skipping) {
        kept.append(line).append('\n');
      }
    }
    return kept.toString().strip();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }

  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }
}
