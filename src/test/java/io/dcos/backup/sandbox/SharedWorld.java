package io.dcos.backup.sandbox;

import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.testing.TestFences;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The embedded world the operator tests share (started once per test JVM, closed at exit): a real ZooKeeper, a
 * 3-instance Marathon simulator, the mock API server and the operator. Tests isolate themselves by namespace.
 */
public final class SharedWorld {
  private static EmbeddedWorld world;
  private static EmbeddedS3 s3;

  private SharedWorld() {}

  public static synchronized EmbeddedWorld get() throws Exception {
    if (world == null) {
      world = builder(3, "shared-world-backups").start();
      EmbeddedWorld started = world;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-world-shutdown"));
    }
    return world;
  }

  /** The S3 API server the storage-location tests share (started on first use, closed at exit). */
  public static synchronized EmbeddedS3 s3() throws Exception {
    if (s3 == null) {
      s3 = EmbeddedS3.start();
      EmbeddedS3 started = s3;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-s3-shutdown"));
    }
    return s3;
  }

  /**
   * A world with the shared one's test settings (fast simulator, test fence timeouts, a fresh backup directory), for
   * tests that need one of their own — typically with {@code .withOperator(false)}, to start the operator themselves.
   */
  public static EmbeddedWorld.Builder builder(int marathonInstances, String backupDirectoryPrefix) throws Exception {
    return builder(marathonInstances, Files.createTempDirectory(backupDirectoryPrefix));
  }

  /** As {@link #builder(int, String)}, on a backup directory the test chose (to start a second world on it). */
  public static EmbeddedWorld.Builder builder(int marathonInstances, Path backupDirectory) {
    return EmbeddedWorld.builder()
        .marathonInstances(marathonInstances)
        .simulatorOptions(fastSimulator())
        .fenceOptions(TestFences.SANDBOX)
        .backupDirectory(backupDirectory);
  }

  /** Marathon restarts within a fraction of a second, so fenced operations stay quick in tests. */
  public static SimulatorOptions fastSimulator() {
    return new SimulatorOptions(Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofMillis(100),
        Optional.empty(), Optional.empty());
  }

  public static String namespace(String prefix) {
    return prefix + "-" + Long.toHexString(System.nanoTime()).substring(6);
  }
}
