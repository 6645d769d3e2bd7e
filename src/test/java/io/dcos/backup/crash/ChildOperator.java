package io.dcos.backup.crash;

import io.dcos.backup.sandbox.EmbeddedWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as a child JVM ({@code Main operator}) against an embedded world running in the test JVM, so that it
 * can be killed with SIGKILL ({@link Process#destroyForcibly()}) without taking ZooKeeper, Marathon or the API down.
 */
public final class ChildOperator implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildOperator(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * The operator from the test's classpath.
   *
   * @param extraEnv added to (or overriding) the operator's environment, e.g. credentials
   */
  public static ChildOperator start(EmbeddedWorld world, Path workDir, String name, Map<String, String> extraEnv)
      throws IOException {
    return start(world, workDir, name, List.of("-cp", System.getProperty("java.class.path"), "io.dcos.backup.cli.Main"),
        extraEnv);
  }

  /**
   * The operator from the test's classpath, held once at a stage of one object so that a test can kill it there
   * ({@link PauseAtStage}).
   *
   * @param object the object as the operator's log context names it, e.g. {@code Restore/ns/name}
   * @param stage a regular expression found in the stage's progress message
   */
  public static ChildOperator startPausingAt(EmbeddedWorld world, Path workDir, String name, String object,
      String stage) throws IOException {
    return start(world, workDir, name, List.of("-D" + PauseAtStage.OBJECT + "=" + object,
        "-D" + PauseAtStage.STAGE + "=" + stage, "-cp", System.getProperty("java.class.path"),
        PauseAtStage.class.getName()), Map.of());
  }

  /** The operator from a runnable jar alone, as its image runs it ({@code java -jar JAR operator}). */
  public static ChildOperator startFromJar(EmbeddedWorld world, Path workDir, String name, Path jar,
      Map<String, String> extraEnv) throws IOException {
    return start(world, workDir, name, List.of("-jar", jar.toString()), extraEnv);
  }

  private static ChildOperator start(EmbeddedWorld world, Path workDir, String name, List<String> launch,
      Map<String, String> extraEnv) throws IOException {
    Files.createDirectories(workDir);
    Path kubeconfig = world.writeKubeconfig(workDir.resolve("kubeconfig"), "default");
    Path log = workDir.resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1"));
    command.addAll(launch);
    command.add("operator");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(key -> key.startsWith("MARATHON_") || key.startsWith("ZK_") || key.equals("KUBECONFIG"));
    Map<String, String> settings = new HashMap<>();
    settings.put("MARATHON_URL", world.marathonUrl().toString());
    settings.put("MARATHON_ZK", "zk://" + world.zookeeper().connectString() + world.zookeeper().path());
    settings.put("BACKUP_DIR", world.backupDirectory().toString());
    settings.put("KUBECONFIG", kubeconfig.toString());
    settings.put("MANAGEMENT_PORT", "0");
    settings.put("OPERATOR_SSA", "false");
    // A killed operator's fence and lock live as long as its ZooKeeper session: keep that short.
    settings.put("ZK_SESSION_TIMEOUT_SECONDS", "6");
    settings.put("RECOVERY_NAMESPACE", "default");
    settings.putAll(extraEnv);
    env.putAll(settings);
    return new ChildOperator(builder.start(), log);
  }

  /** SIGKILL on Linux: no shutdown hook, no graceful close of the ZooKeeper session or of open files. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
