package io.dcos.backup.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.bench.ZooKeeperProcess;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.simulator.SimulatorOptions;
import io.dcos.backup.zookeeper.ZkTarget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backup, restore and the fence against real ZooKeeper server releases, each in its own JVM from its Maven Central
 * jars (resolved with `mvn dependency:build-classpath` into target/release-jars the first time; needs Maven Central).
 * Tagged "compat" (downloads, child JVMs) so it can be run alone: mvn test -Dgroups=compat. It is part of mvn verify.
 */
@Tag("compat")
public class OldZooKeeperServersTest {

  @ParameterizedTest
  @ValueSource(strings = {"3.5.10", "3.9.5"})
  void backupRestoreAndFenceWork(String version) throws Exception {
    try (ZooKeeperProcess server = ZooKeeperProcess.start(serverClasspath(version), "512m", Duration.ofSeconds(60));
         EmbeddedWorld world = EmbeddedWorld.builder()
             .externalZookeeper("zk://" + server.connectString() + "/marathon")
             .marathonInstances(2)
             .simulatorOptions(new SimulatorOptions(Duration.ofMillis(200), Duration.ofMillis(100),
                 Duration.ofMillis(100), Optional.empty(), Optional.empty()))
             .fenceOptions(new FenceOptions(Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(60),
                 Duration.ofMillis(50)))
             .backupDirectory(Files.createTempDirectory("compat-" + version))
             .withKubernetes(false)
             .start()) {
      assertThat(server.version()).isEqualTo(version);
      awaitLeader(world);
      for (int i = 0; i < 3; i++) {
        apps(world, "POST", "/v2/apps", "{\"id\":\"/compat/app-" + i + "\",\"cmd\":\"sleep 1\",\"instances\":1}");
      }

      BackupOutcome backup = world.service().backup("compat-" + UUID.randomUUID(), "compat", ProgressListener.NONE);
      assertThat(backup.consistency()).isEqualTo(BackupOutcome.Consistency.FENCED);
      assertThat(backup.abdications()).isPositive();
      assertThat(backup.manifest().znodes()).isGreaterThan(10);

      // Proven by a persistent watch on 3.6+, by the zxid mark on 3.5; the simulator's leader writes every 100 ms,
      // so either outcome is possible here (ZxidMarkTest proves the mark itself deterministically).
      awaitLeader(world);
      BackupOutcome online = world.service().backup("compat-online-" + UUID.randomUUID(), "compat",
          new BackupOptions(true, 2, Duration.ofMillis(50)), ProgressListener.NONE);
      assertThat(online.consistency())
          .isIn(BackupOutcome.Consistency.ONLINE, BackupOutcome.Consistency.FENCED_FALLBACK);

      awaitLeader(world);
      apps(world, "DELETE", "/v2/apps/compat/app-1", null);
      assertThat(apps(world, "GET", "/v2/apps", null)).doesNotContain("/compat/app-1");
      RestoreOutcome restore = world.service().restore(backup.manifest().id(), "pre-restore-" + UUID.randomUUID(),
          ProgressListener.NONE);
      assertThat(restore.znodes()).isEqualTo(backup.manifest().znodes());
      awaitLeader(world);
      assertThat(apps(world, "GET", "/v2/apps", null)).contains("/compat/app-1");
    }
  }

  /** The server's jars and their dependencies, resolved by Maven once and cached under target/release-jars. */
  public static String serverClasspath(String version) throws IOException, InterruptedException {
    return ReleaseJars.underTarget().zooKeeperServer(version);
  }

  private static void awaitLeader(EmbeddedWorld world) throws InterruptedException {
    for (int i = 0; i < 400 && world.simulator().orElseThrow().leaderIndex().isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(world.simulator().orElseThrow().leaderIndex()).isPresent();
  }

  private static String apps(EmbeddedWorld world, String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(world.marathonUrl() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int attempt = 0; ; attempt++) {
      String failure;
      try {
        HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() < 300) {
          return r.body();
        }
        failure = "answered " + r.statusCode() + ": " + r.body(); // 502/503 while a leader loads
      } catch (java.net.ConnectException restarting) {
        failure = "refused the connection"; // the configured instance is the one that abdicated and restarts
      }
      if (attempt > 100) {
        throw new IOException(method + " " + path + " " + failure);
      }
      Thread.sleep(100);
    }
  }
}
