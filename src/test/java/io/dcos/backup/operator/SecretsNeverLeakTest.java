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
import io.dcos.backup.dcos.DcosMaster;
import io.dcos.backup.dcos.ServiceAccountKeys;
import io.dcos.backup.dcos.TestCa;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.testing.TestFences;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, item 10: with ZooKeeper digest credentials and Marathon basic auth, a backup, a restore and a failure
 * leave the secrets in no log line, status or Event. The same with a DC/OS service account (issue 9): its private
 * key, the login JWTs it signs and the ACS tokens it gets.
 */
class SecretsNeverLeakTest {
  private static final String ZK_SECRET = "zk-S3cret-Pa55";
  private static final String HTTP_SECRET = "http-S3cret-Pa55";
  private static final String ZK_CREDENTIALS = "dcos_marathon:" + ZK_SECRET;
  private static final String HTTP_CREDENTIALS = "admin:" + HTTP_SECRET;

  @Test
  void noSecretInLogsStatusesOrEvents() throws Exception {
    ListAppender<ILoggingEvent> captured = captureLogs();
    List<String> exposed = new ArrayList<>();
    try (EmbeddedWorld world = SharedWorld.builder(1, "secret-backups")
        .simulatorOptions(SharedWorld.fastSimulator().withZkDigest(ZK_CREDENTIALS).withBasicAuth(HTTP_CREDENTIALS))
        .zookeeperCredentials(ZK_CREDENTIALS)
        .marathonCredentials(MarathonCredentials.basic("admin", HTTP_SECRET))
        .fenceOptions(TestFences.SIMULATOR)
        .start()) {
      KubernetesClient client = world.client();
      String ns = ApiObjects.createNamespace(client, "secrets");
      client.resource(ApiObjects.backup(ns, "guarded", "guarded")).create();
      Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "guarded", Phase.STATUS_READY);
      client.resource(ApiObjects.restore(ns, "back", new RestoreSpec(ready.getStatus().id(), null))).create();
      ApiObjects.awaitPhase(client, Restore.class, ns, "back", Phase.STATUS_READY);
      client.resource(ApiObjects.restore(ns, "missing", new RestoreSpec(null, "no-such-backup"))).create();
      ApiObjects.awaitPhase(client, Restore.class, ns, "missing", Phase.STATUS_ERROR);

      exposeObjects(client, ns, exposed);
    } finally {
      stopCapturing(captured);
    }
    exposeLogs(captured, exposed);
    String basicHeader = Base64.getEncoder().encodeToString(HTTP_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
    String zkDigestAuth = Base64.getEncoder().encodeToString(ZK_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
    assertThat(exposed).allSatisfy(text -> assertThat(text)
        .doesNotContain(ZK_SECRET).doesNotContain(HTTP_SECRET).doesNotContain(basicHeader)
        .doesNotContain(zkDigestAuth));
  }

  @Test
  void noServiceAccountKeyOrTokenInLogsStatusesOrEvents(@TempDir Path dir) throws Exception {
    TestCa ca = TestCa.create("leak-test CA");
    ServiceAccountKeys account = ServiceAccountKeys.generate("marathon-backup");
    List<String> exposed = new ArrayList<>();
    ListAppender<ILoggingEvent> captured;
    try (DcosMaster master = DcosMaster.start(ca.serverContext())) {
      master.register(account);
      master.tokenLifetime(Duration.ofSeconds(2)); // several logins during the run
      TlsTrust trust = TlsTrust.fromPemFile(ca.writePem(dir.resolve("dcos-ca.crt")), "set MARATHON_CA_FILE");
      AcsLogin login = new AcsLogin(ServiceAccountCredential.parse(account.credentialJson(master.loginEndpoint())),
          trust, Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
      captured = captureLogs();
      try (EmbeddedWorld world = SharedWorld.builder(1, "secret-dcos-backups")
          .simulatorOptions(SharedWorld.fastSimulator().withTls(ca.serverContext()).withTokenCheck(master::isCurrent))
          .marathonEntry(master.marathonUrl())
          .marathonTrust(trust)
          .marathonCredentials(MarathonCredentials.serviceAccount(login))
          .start()) {
        master.routeTo(world.simulator().orElseThrow()::urls);
        KubernetesClient client = world.client();
        String ns = ApiObjects.createNamespace(client, "secrets-dcos");
        client.resource(ApiObjects.backup(ns, "guarded", "guarded")).create();
        Backup ready = ApiObjects.awaitPhase(client, Backup.class, ns, "guarded", Phase.STATUS_READY);
        Thread.sleep(2_000); // the token expires: the restore logs in again
        client.resource(ApiObjects.restore(ns, "back", new RestoreSpec(ready.getStatus().id(), null))).create();
        ApiObjects.awaitPhase(client, Restore.class, ns, "back", Phase.STATUS_READY);
        master.invalidateIssuedTokens();
        master.revoke(account.uid); // the rejected token, then the refused login, in messages and logs
        client.resource(ApiObjects.backup(ns, "revoked", "revoked")).create();
        ApiObjects.awaitPhase(client, Backup.class, ns, "revoked", Phase.STATUS_ERROR);
        exposeObjects(client, ns, exposed);
      } finally {
        stopCapturing(captured);
      }
      exposeLogs(captured, exposed);
      assertThat(master.logins()).as("logged in more than once").isGreaterThan(1);
      List<String> secrets = new ArrayList<>();
      secrets.add(account.privateKeyBase64().substring(0, 40));
      account.privateKeyPem().lines().filter(line -> !line.startsWith("-----")).forEach(secrets::add);
      master.issuedTokens().forEach(secrets::add);
      master.loginJwts().forEach(secrets::add);
      // A JWT's signature alone is what a thief needs to replay it; its header and claims are not secret.
      master.issuedTokens().forEach(t -> secrets.add(t.substring(t.lastIndexOf('.') + 1)));
      master.loginJwts().forEach(t -> secrets.add(t.substring(t.lastIndexOf('.') + 1)));
      assertThat(secrets).hasSizeGreaterThan(20);
      assertThat(exposed).allSatisfy(text -> assertThat(text).doesNotContain(secrets));
    }
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(captured);
    return captured;
  }

  private static void stopCapturing(ListAppender<ILoggingEvent> captured) {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(captured);
  }

  /** Every Backup, Restore and Event of the namespace as JSON. */
  private static void exposeObjects(KubernetesClient client, String ns, List<String> exposed) {
    var serialization = client.getKubernetesSerialization();
    client.resources(Backup.class).inNamespace(ns).list().getItems()
        .forEach(b -> exposed.add(serialization.asJson(b)));
    client.resources(Restore.class).inNamespace(ns).list().getItems()
        .forEach(r -> exposed.add(serialization.asJson(r)));
    client.v1().events().inNamespace(ns).list().getItems().forEach(e -> exposed.add(serialization.asJson(e)));
    assertThat(client.v1().events().inNamespace(ns).list().getItems()).as("events were recorded").isNotEmpty();
  }

  /** Every captured log line: message, MDC, and the messages of its exception chain. */
  private static void exposeLogs(ListAppender<ILoggingEvent> captured, List<String> exposed) {
    for (ILoggingEvent event : captured.list) {
      exposed.add(event.getFormattedMessage());
      exposed.add(String.valueOf(event.getMDCPropertyMap()));
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        exposed.add(t.getClassName() + ": " + t.getMessage());
      }
    }
    assertThat(captured.list).as("the run logged something to scan").hasSizeGreaterThan(10);
  }
}
