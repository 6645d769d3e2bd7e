package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, item 10: with ZooKeeper digest credentials and Marathon basic auth, a backup, a restore and a failure
 * leave the secrets in no log line, status or Event.
 */
class SecretsNeverLeakTest {
  private static final String ZK_SECRET = "zk-S3cret-Pa55";
  private static final String HTTP_SECRET = "http-S3cret-Pa55";
  private static final String ZK_CREDENTIALS = "dcos_marathon:" + ZK_SECRET;
  private static final String HTTP_CREDENTIALS = "admin:" + HTTP_SECRET;

  @Test
  void noSecretInLogsStatusesOrEvents() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    List<String> exposed = new ArrayList<>();
    try (EmbeddedWorld world = EmbeddedWorld.builder()
        .marathonInstances(1)
        .simulatorOptions(SharedWorld.fastSimulator().withZkDigest(ZK_CREDENTIALS).withBasicAuth(HTTP_CREDENTIALS))
        .zookeeperCredentials(ZK_CREDENTIALS)
        .marathonCredentials(MarathonCredentials.basic("admin", HTTP_SECRET))
        .fenceOptions(new FenceOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30),
            Duration.ofMillis(50)))
        .backupDirectory(Files.createTempDirectory("secret-backups"))
        .start()) {
      KubernetesClient client = world.client();
      String ns = ApiObjects.createNamespace(client, "secrets");
      client.resource(ApiObjects.backup(ns, "guarded", "guarded")).create();
      Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "guarded", Phase.STATUS_READY);
      client.resource(ApiObjects.restore(ns, "back", new RestoreSpec(ready.getStatus().id(), null))).create();
      ApiObjects.awaitPhase(client, Restore.class, ns, "back", Phase.STATUS_READY);
      client.resource(ApiObjects.restore(ns, "missing", new RestoreSpec(null, "no-such-backup"))).create();
      ApiObjects.awaitPhase(client, Restore.class, ns, "missing", Phase.STATUS_ERROR);

      var serialization = client.getKubernetesSerialization();
      client.resources(Backup.class).inNamespace(ns).list().getItems()
          .forEach(b -> exposed.add(serialization.asJson(b)));
      client.resources(Restore.class).inNamespace(ns).list().getItems()
          .forEach(r -> exposed.add(serialization.asJson(r)));
      client.v1().events().inNamespace(ns).list().getItems().forEach(e -> exposed.add(serialization.asJson(e)));
      assertThat(client.v1().events().inNamespace(ns).list().getItems()).as("events were recorded").isNotEmpty();
    } finally {
      root.detachAppender(captured);
    }
    for (ILoggingEvent event : captured.list) {
      exposed.add(event.getFormattedMessage());
      exposed.add(String.valueOf(event.getMDCPropertyMap()));
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        exposed.add(t.getClassName() + ": " + t.getMessage());
      }
    }
    assertThat(captured.list).as("the run logged something to scan").hasSizeGreaterThan(10);
    String basicHeader = Base64.getEncoder().encodeToString(HTTP_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
    String zkDigestAuth = Base64.getEncoder().encodeToString(ZK_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
    assertThat(exposed).allSatisfy(text -> assertThat(text)
        .doesNotContain(ZK_SECRET).doesNotContain(HTTP_SECRET).doesNotContain(basicHeader)
        .doesNotContain(zkDigestAuth));
  }
}
