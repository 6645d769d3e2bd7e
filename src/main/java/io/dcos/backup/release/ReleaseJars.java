package io.dcos.backup.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Class paths of released artifacts from Maven Central, for code that must run on other releases than the ones this
 * project links: old ZooKeeper servers, and Marathon's own election stack. Each set is resolved by Maven
 * ({@code mvn dependency:build-classpath} on a generated pom) the first time, then read from the cache directory.
 * Needs {@code mvn} on PATH and Maven Central reachable the first time only.
 */
public final class ReleaseJars {
  /** The Curator release Marathon 1.6–1.11 elects with. */
  public static final String MARATHON_CURATOR = "4.0.1";
  /** The ZooKeeper client Marathon's election runs on: the 3.4 line (Marathon pins 3.4.11; DC/OS runs 3.4.14). */
  public static final String MARATHON_ZOOKEEPER = "3.4.14";

  private static final String CURATOR_WITHOUT_ITS_ZOOKEEPER = """
        <dependency><groupId>org.apache.curator</groupId><artifactId>%s</artifactId><version>%s</version>
          <exclusions><exclusion><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId></exclusion>
          </exclusions></dependency>""";

  private final Path cacheDirectory;

  public ReleaseJars(Path cacheDirectory) {
    this.cacheDirectory = cacheDirectory.toAbsolutePath();
  }

  /** {@code target/release-jars} of the working directory: where the tests keep theirs. */
  public static ReleaseJars underTarget() {
    return new ReleaseJars(Path.of("target", "release-jars"));
  }

  /** The user's cache ({@code $XDG_CACHE_HOME} or {@code ~/.cache}), for the sandbox run from the jar. */
  public static ReleaseJars inUserCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return new ReleaseJars(base.resolve("marathon-backup-operator").resolve("release-jars"));
  }

  public Path cacheDirectory() {
    return cacheDirectory;
  }

  /** The ZooKeeper release this project links (its server classes ship in the same jar). */
  public static String bundledZooKeeper() {
    return org.apache.zookeeper.Version.getFullVersion().split("[- ]")[0];
  }

  /** A ZooKeeper server release's class path: this JVM's own for the bundled release. */
  public String zooKeeperServer(String version) throws IOException, InterruptedException {
    if (version.equals(bundledZooKeeper())) {
      return System.getProperty("java.class.path");
    }
    return resolve("zookeeper-" + version, """
        <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>%s</version>
        </dependency>""".formatted(version));
  }

  /**
   * Marathon's election stack: curator-recipes, -framework and -client 4.0.1 without the 3.5.3-beta ZooKeeper their
   * pom asks for, on ZooKeeper 3.4.14 — as Marathon's build excludes it and pins a 3.4 client. Guava comes with
   * Curator (20.0, as Marathon pins it). ZooKeeper's log4j binding is swapped for slf4j-simple (stderr).
   */
  public String marathonElectionStack() throws IOException, InterruptedException {
    return resolve("marathon-election-curator-" + MARATHON_CURATOR + "-zookeeper-" + MARATHON_ZOOKEEPER,
        CURATOR_WITHOUT_ITS_ZOOKEEPER.formatted("curator-recipes", MARATHON_CURATOR)
            + CURATOR_WITHOUT_ITS_ZOOKEEPER.formatted("curator-framework", MARATHON_CURATOR)
            + CURATOR_WITHOUT_ITS_ZOOKEEPER.formatted("curator-client", MARATHON_CURATOR)
            + """
                <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId>
                  <version>%s</version>
                  <exclusions>
                    <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId></exclusion>
                    <exclusion><groupId>log4j</groupId><artifactId>log4j</artifactId></exclusion>
                  </exclusions></dependency>
                <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>1.7.25</version>
                </dependency>
                <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.25</version>
                </dependency>""".formatted(MARATHON_ZOOKEEPER));
  }

  /**
   * Resolves one set, kept in the cache under {@code name} and a digest of its dependencies (a changed set is a new
   * entry). Safe against other JVMs resolving the same set at once (a file lock); a failed resolution leaves nothing
   * that looks resolved.
   */
  String resolve(String name, String dependencies) throws IOException, InterruptedException {
    // One JVM may hold a file lock only once: resolutions of this JVM queue here first.
    synchronized (ReleaseJars.class) {
      return resolveLocked(name, dependencies);
    }
  }

  private String resolveLocked(String name, String dependencies) throws IOException, InterruptedException {
    Path dir = cacheDirectory.resolve(name + "-" + shortDigest(dependencies));
    Path classpath = dir.resolve("classpath.txt");
    if (usable(classpath)) {
      return Files.readString(classpath).trim();
    }
    Files.createDirectories(dir);
    try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
      if (usable(classpath)) {
        return Files.readString(classpath).trim();
      }
      Files.writeString(dir.resolve("pom.xml"), """
          <project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
            <groupId>marathon-backup-operator.release-jars</groupId><artifactId>%s</artifactId><version>1</version>
            <dependencies>
          %s
            </dependencies>
          </project>
          """.formatted(name, dependencies));
      Path partial = dir.resolve("classpath.partial");
      Path log = dir.resolve("mvn.log");
      Process mvn;
      try {
        mvn = new ProcessBuilder("mvn", "-q", "-B", "dependency:build-classpath", "-Dmdep.outputFile=" + partial)
            .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        throw new IOException("resolving " + name + " needs Maven (mvn on PATH) and Maven Central, once: " + e, e);
      }
      if (!mvn.waitFor(10, TimeUnit.MINUTES)) {
        mvn.destroyForcibly();
        throw new IOException("resolving " + name + " from Maven Central took more than 10 minutes");
      }
      if (mvn.exitValue() != 0 || !Files.exists(partial)) {
        throw new IOException("could not resolve " + name + " from Maven Central (mvn exit " + mvn.exitValue() + "): "
            + Files.readString(log));
      }
      Files.move(partial, classpath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return Files.readString(classpath).trim();
    }
  }

  /** Resolved before, and every jar still in the local Maven repository it names. */
  private static boolean usable(Path classpath) throws IOException {
    if (!Files.exists(classpath)) {
      return false;
    }
    for (String jar : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
      if (jar.isBlank() || !Files.isRegularFile(Path.of(jar))) {
        return false;
      }
    }
    return true;
  }

  private static String shortDigest(String text) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
