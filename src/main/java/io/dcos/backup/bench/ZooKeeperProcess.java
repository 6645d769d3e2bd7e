package io.dcos.backup.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A standalone ZooKeeper server in a child JVM ({@code org.apache.zookeeper.server.ZooKeeperServerMain}) with its data
 * directory in a temporary folder: the benchmark's fair opponent (no shared heap, GC or CPU accounting with the
 * client) and the way to run old server releases from their own jars (see {@code compat} tests).
 */
public final class ZooKeeperProcess implements AutoCloseable {
  private final Process process;
  private final Path directory;
  private final int port;
  private final String version;

  private ZooKeeperProcess(Process process, Path directory, int port, String version) {
    this.process = process;
    this.directory = directory;
    this.port = port;
    this.version = version;
  }

  /**
   * Starts a server and waits until it answers {@code srvr}.
   *
   * @param classpath the server's class path: this JVM's own (the 3.9 server classes ship in the jar) or an old
   *     release's jars
   * @param maxHeap   e.g. {@code "2g"}; the whole tree lives in the server's heap
   */
  public static ZooKeeperProcess start(String classpath, String maxHeap, Duration startTimeout) throws IOException {
    Path dir = Files.createTempDirectory("zk-server");
    int port = freePort();
    List<String> config = List.of(
        "tickTime=2000",
        "dataDir=" + dir.resolve("data"),
        "clientPort=" + port,
        "clientPortAddress=127.0.0.1",
        "maxClientCnxns=0",
        "admin.enableServer=false",
        "4lw.commands.whitelist=srvr,ruok",
        // Marathon-sized nodes: the defaults of a DC/OS ZooKeeper.
        "autopurge.purgeInterval=0");
    Files.write(dir.resolve("zoo.cfg"), config);
    Files.createDirectories(dir.resolve("data"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx" + maxHeap, "-Xms256m",
        "-XX:+UseParallelGC", "-Dzookeeper.admin.enableServer=false",
        // 3.4/3.5 look for log4j configuration; keep them quiet and off stdout.
        "-Dlog4j.configuration=file:/dev/null", "-Dzookeeper.jmx.log4j.disable=true",
        "-cp", classpath, "org.apache.zookeeper.server.ZooKeeperServerMain", dir.resolve("zoo.cfg").toString()));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("server.log").toFile())
        .start();
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (true) {
      if (!p.isAlive()) {
        String log = tail(dir.resolve("server.log"));
        deleteQuietly(dir);
        throw new IOException("ZooKeeper server process exited with " + p.exitValue() + ": " + log);
      }
      Optional<String> srvr = fourLetterWord("127.0.0.1", port, "srvr");
      if (srvr.isPresent() && srvr.get().contains("version")) {
        return new ZooKeeperProcess(p, dir, port, parseVersion(srvr.get()));
      }
      if (System.nanoTime() - deadline > 0) {
        p.destroyForcibly();
        String log = tail(dir.resolve("server.log"));
        deleteQuietly(dir);
        throw new IOException("ZooKeeper server process did not answer within " + startTimeout + ": " + log);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting ZooKeeper", e);
      }
    }
  }

  /** This JVM's class path, which holds the ZooKeeper 3.9 server classes (they ship in the jar). */
  public static String ownClasspath() {
    return System.getProperty("java.class.path");
  }

  public String connectString() {
    return "127.0.0.1:" + port;
  }

  /** e.g. {@code 3.9.5}. */
  public String version() {
    return version;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The {@code srvr} four-letter word's answer (version, latency, node count...), if the server allows it. */
  public static Optional<String> fourLetterWord(String host, int port, String word) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(word.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return answer.isEmpty() ? Optional.empty() : Optional.of(answer);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** {@code "Zookeeper version: 3.9.5-<sha>, built on ..."} → {@code 3.9.5}. */
  static String parseVersion(String srvr) {
    for (String line : srvr.split("\n")) {
      if (line.startsWith("Zookeeper version:")) {
        String v = line.substring("Zookeeper version:".length()).trim();
        int end = 0;
        while (end < v.length() && (Character.isDigit(v.charAt(end)) || v.charAt(end) == '.')) {
          end++;
        }
        return end > 0 ? v.substring(0, end) : v;
      }
    }
    return "unknown";
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteQuietly(directory);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder: the OS cleans it eventually
    }
  }
}
