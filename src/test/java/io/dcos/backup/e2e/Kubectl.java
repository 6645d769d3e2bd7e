package io.dcos.backup.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real kubectl, run as a user would against the sandbox's API server: one kubeconfig (KUBECONFIG), a HOME of its
 * own (kubectl's discovery cache), and a PATH on which {@code kubectl-backup} runs this test JVM's classes.
 *
 * <p>The machine's {@code /usr/bin/kubectl} is a dispatcher that runs the {@code kubectl.1.NN} beside it matching
 * the server's version (the sandbox says v1.32); it has no switch of its own, so the other versions are run by path.
 */
record Kubectl(String name, Path binary, Path kubeconfig, Path home, Path pluginDir) {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern VERSIONED = Pattern.compile("kubectl\\.(\\d+)\\.(\\d+)");

  record Result(int exitCode, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** kubectl on PATH (the dispatcher), or fails saying it is missing: these tests need the real one. */
  static Path defaultBinary() {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .map(dir -> Path.of(dir, "kubectl"))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(() -> new AssertionError("kubectl is not on PATH: the end-to-end tests run the real kubectl"));
  }

  /** The versioned binaries the dispatcher chooses from ({@code kubectl.1.27} …), oldest first. */
  static List<Path> versionedBinaries() {
    Path dir;
    try {
      dir = defaultBinary().toRealPath().getParent();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> VERSIONED.matcher(f.getFileName().toString()).matches() && Files.isExecutable(f))
          .sorted(Comparator.comparingInt(Kubectl::minorVersion))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The default kubectl and, when the machine has versioned ones, the oldest and the newest of them. */
  static List<Path> defaultOldestAndNewest() {
    List<Path> binaries = new ArrayList<>();
    binaries.add(defaultBinary());
    List<Path> versioned = versionedBinaries();
    if (!versioned.isEmpty()) {
      binaries.add(versioned.get(0));
      if (versioned.size() > 1) {
        binaries.add(versioned.get(versioned.size() - 1));
      }
    }
    return binaries;
  }

  static int minorVersion(Path binary) {
    Matcher m = VERSIONED.matcher(binary.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(2)) : Integer.MAX_VALUE;
  }

  static String label(Path binary) {
    return binary.getFileName().toString().equals("kubectl") ? "kubectl (dispatcher)" : binary.getFileName().toString();
  }

  /**
   * A kubectl for this kubeconfig; {@code workDir} receives its HOME and a {@code kubectl-backup} script running
   * {@code java -cp <this JVM's class path> io.dcos.backup.cli.Main kubectl-backup "$@"}.
   */
  static Kubectl of(Path binary, Path kubeconfig, Path workDir) {
    try {
      Path home = Files.createDirectories(workDir.resolve("home"));
      Path plugins = Files.createDirectories(workDir.resolve("plugins"));
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      String script = "#!/bin/sh\nexec " + quote(java.toString())
          + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "
          + quote(System.getProperty("java.class.path")) + " io.dcos.backup.cli.Main kubectl-backup \"$@\"\n";
      Path plugin = plugins.resolve("kubectl-backup");
      Files.writeString(plugin, script);
      Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
      return new Kubectl(label(binary), binary, kubeconfig, home, plugins);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Result run(String... args) {
    return runWithInput(null, args);
  }

  Result runWithInput(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("HOME", home.toString());
    env.put("PATH", pluginDir + java.io.File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.remove("KUBECTL_EXTERNAL_DIFF");
    try {
      Process process = builder.start();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(name + " " + String.join(" ", args) + " did not finish within " + TIMEOUT);
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs and asserts exit code 0, returning stdout. */
  String ok(String... args) {
    Result result = run(args);
    if (result.exitCode() != 0) {
      throw new AssertionError(name + " " + String.join(" ", args) + " failed: " + result);
    }
    return result.out();
  }

  Optional<String> serverVersion() {
    Result result = run("version", "-o", "json");
    Matcher m = Pattern.compile("\"serverVersion\"[^}]*\"gitVersion\"\\s*:\\s*\"([^\"]+)\"").matcher(result.out());
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** A thread per stream (the common pool may have one thread on a small machine: stdout and stderr at once). */
  private static CompletableFuture<String> drain(InputStream stream) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (stream) {
        text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        text.completeExceptionally(e);
      }
    }, "kubectl-output");
    reader.setDaemon(true);
    reader.start();
    return text;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
