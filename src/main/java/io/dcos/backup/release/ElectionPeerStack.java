package io.dcos.backup.release;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Marathon's election stack, ready to run: the jars of {@link ReleaseJars#marathonElectionStack()} and the election
 * peer's classes, compiled from this jar's {@code election-peer/} sources against exactly those jars (so they link to
 * Curator 4.0.1, not to the Curator this project uses) into the cache once per source and jar set.
 */
public final class ElectionPeerStack {
  static final String MAIN = "io.dcos.backup.electionpeer.MarathonElectionPeer";
  private static final List<String> SOURCES = List.of(
      "election-peer/MarathonElectionPeer.java",
      // ZOOKEEPER-3779: the 3.4 client cannot connect on JDK 14+ without it; first on the class path.
      "election-peer/StaticHostProvider.java");

  private final String classpath;

  private ElectionPeerStack(String classpath) {
    this.classpath = classpath;
  }

  /** Resolves the jars and compiles the peer if the cache has neither yet (seconds; Maven's download once). */
  public static ElectionPeerStack curator401(ReleaseJars jars) throws IOException, InterruptedException {
    String stack = jars.marathonElectionStack();
    List<byte[]> sources = new ArrayList<>();
    for (String resource : SOURCES) {
      try (InputStream in = ElectionPeerStack.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException("election peer source " + resource + " missing from the class path");
        }
        sources.add(in.readAllBytes());
      }
    }
    Path classes = jars.cacheDirectory().resolve("election-peer").resolve(digest(stack, sources)).resolve("classes");
    synchronized (ElectionPeerStack.class) {
      if (!Files.isDirectory(classes)) {
        compile(stack, sources, classes);
      }
    }
    return new ElectionPeerStack(classes + File.pathSeparator + stack);
  }

  /** The peer's class path: its classes (with the StaticHostProvider fix) before Marathon's jars. */
  public String classpath() {
    return classpath;
  }

  /** The {@code java} command up to the main class's arguments. */
  List<String> command() {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ArrayList<>(List.of(java.toString(),
        // A small, quick-starting JVM: it only holds one latch.
        "-Xmx64m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        // The 3.4 client would try SASL first and log a warning on every connect.
        "-Dzookeeper.sasl.client=false",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-cp", classpath, MAIN));
  }

  private static void compile(String stack, List<byte[]> sources, Path classes) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IOException("compiling Marathon's election peer needs a JDK (no Java compiler in "
          + System.getProperty("java.home") + ")");
    }
    Path work = Files.createDirectories(classes.getParent()).resolve("build-" + ProcessHandle.current().pid());
    deleteRecursively(work);
    Path src = Files.createDirectories(work.resolve("src"));
    Path out = Files.createDirectories(work.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("-nowarn", "-encoding", "UTF-8", "-proc:none", "-cp", stack,
        "-d", out.toString()));
    for (int i = 0; i < SOURCES.size(); i++) {
      Path file = src.resolve(Path.of(SOURCES.get(i)).getFileName());
      Files.write(file, sources.get(i));
      args.add(file.toString());
    }
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    if (rc != 0) {
      throw new IOException("compiling Marathon's election peer against " + stack + " failed (javac " + rc + "): "
          + diagnostics.toString(StandardCharsets.UTF_8));
    }
    try {
      Files.move(out, classes, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException raced) {
      if (!Files.isDirectory(classes)) {
        throw raced;
      }
      // another JVM compiled the same sources first
    }
    deleteRecursively(work);
  }

  private static String digest(String stack, List<byte[]> sources) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(stack.getBytes(StandardCharsets.UTF_8));
      sha.update(System.getProperty("java.specification.version").getBytes(StandardCharsets.UTF_8));
      for (byte[] s : sources) {
        sha.update(s);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
