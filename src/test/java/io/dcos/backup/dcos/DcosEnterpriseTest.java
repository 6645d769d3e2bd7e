package io.dcos.backup.dcos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleSpec;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.MarathonFence;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.operator.OperatorRuntime;
import io.dcos.backup.reconciler.MutableClock;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.simulator.MarathonSimulator;
import io.dcos.backup.testing.Closer;
import io.dcos.backup.testing.ZkTrees;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator against a DC/OS Enterprise cluster as far as it can tell: Marathon (3 simulated instances) serves
 * HTTPS with a certificate of the cluster's own CA and accepts only current ACS tokens; the operator reaches it
 * through Admin Router ({@code https://<master>/service/marathon}) and logs in as a service account whose tokens
 * expire in seconds. Each case has its own operator watching its own namespace, with its own credentials and trust,
 * against the one world.
 */
class DcosEnterpriseTest {
  private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(3);
  private static final String HINT = "set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt)";
  private static TestCa ca;
  private static TestCa otherCa;
  private static DcosMaster master;
  private static ServiceAccountKeys account;
  private static TlsTrust trust;
  private static AcsLogin login;
  private static EmbeddedWorld world;
  private static MarathonSimulator simulator;
  private static KubernetesClient client;
  private static CuratorFramework zk;
  @RegisterExtension
  static final Closer CLOSER = new Closer();

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("DC/OS test CA");
    otherCa = TestCa.create("another CA");
    master = CLOSER.add(DcosMaster.start(ca.serverContext()));
    master.tokenLifetime(TOKEN_LIFETIME);
    account = ServiceAccountKeys.generate("marathon-backup");
    master.register(account);
    trust = TlsTrust.fromPemFile(ca.writePem(dir.resolve("dcos-ca.crt")), HINT);
    login = acsLogin(account, trust);
    world = CLOSER.add(SharedWorld.builder(3, "dcos-backups")
        // No periodic instance writes: the failure cases compare <zk>/state's zxids before and after.
        .simulatorOptions(SharedWorld.fastSimulator().withWriteInterval(Duration.ofHours(1))
            .withTls(ca.serverContext()).withTokenCheck(master::isCurrent))
        .marathonEntry(master.marathonUrl())
        .marathonTrust(trust)
        .marathonCredentials(MarathonCredentials.serviceAccount(login))
        .withOperator(false)
        .start());
    simulator = world.simulator().orElseThrow();
    master.routeTo(simulator::urls);
    client = world.client();
    zk = CLOSER.add(ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15)));
    assertThat(world.marathonUrl().getPath()).isEqualTo("/service/marathon");
  }

  @Test
  void aScheduleWhoseTokenExpiresBetweenRunsKeepsSucceeding() throws Exception {
    String ns = ApiObjects.createNamespace(client, "dcos-schedule");
    MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(30));
    try (OperatorRuntime operator = operator(ns, world.service(), clock)) {
      BackupSchedule schedule = new BackupSchedule();
      schedule.getMetadata().setName("every-minute");
      schedule.getMetadata().setNamespace(ns);
      schedule.setSpec(new BackupScheduleSpec("* * * * *", "dcos", null, null, null, null));
      client.resource(schedule).create();

      tick(ns, clock, 1);
      List<String> firstTokens = master.issuedTokens();
      int loginsAfterFirst = master.logins();
      // Real time passes between runs: every token issued so far expires.
      await().atMost(TOKEN_LIFETIME.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
          .until(() -> firstTokens.stream().noneMatch(master::isCurrent));

      // Tokens issued from now on outlive the test: the third run only gets a new one through a 401.
      master.tokenLifetime(Duration.ofMinutes(10));
      tick(ns, clock, 2);
      assertThat(master.logins()).as("logged in again after the token expired").isGreaterThan(loginsAfterFirst);

      master.invalidateIssuedTokens(); // an administrator resets the account's sessions
      int rejectedBefore = master.rejectedRequests();
      int loginsBefore = master.logins();
      tick(ns, clock, 3);
      assertThat(master.rejectedRequests()).as("the invalidated token was refused").isGreaterThan(rejectedBefore);
      assertThat(master.logins()).as("and the operator logged in again").isGreaterThan(loginsBefore);
    } finally {
      master.tokenLifetime(TOKEN_LIFETIME);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"wrong-key", "untrusted-ca", "untrusted-marathon", "revoked-account"})
  void aRefusedLoginOrAnUntrustedCertificateEndsInErrorAndTouchesNothing(String fault) throws Exception {
    String ns = ApiObjects.createNamespace(client, "dcos-" + fault);
    TlsTrust otherTrust = TlsTrust.fromPemFile(otherCa.writePem(dir.resolve("other-" + fault + ".crt")), HINT);
    String endpoint = master.loginEndpoint().toString();
    ServiceAccountKeys keys = account;
    MarathonCredentials credentials;
    TlsTrust tls = trust;
    List<String> expected;
    switch (fault) {
      case "wrong-key" -> {
        keys = ServiceAccountKeys.generate("marathon-backup"); // the right uid with a key DC/OS does not know
        credentials = MarathonCredentials.serviceAccount(acsLogin(keys, trust));
        expected = List.of("DC/OS login of service account 'marathon-backup' at " + endpoint + " was refused (401");
      }
      case "untrusted-ca" -> {
        tls = otherTrust;
        credentials = MarathonCredentials.serviceAccount(acsLogin(account, tls));
        expected = List.of("'marathon-backup' at " + endpoint, "TLS certificate of 127.0.0.1 is not trusted", HINT);
      }
      case "untrusted-marathon" -> {
        tls = otherTrust;
        credentials = MarathonCredentials.token(acsLogin(account, trust).token()); // a static MARATHON_TOKEN
        expected = List.of("Marathon at " + master.marathonUrl(), "TLS certificate of 127.0.0.1 is not trusted",
            HINT);
      }
      case "revoked-account" -> {
        keys = ServiceAccountKeys.generate("retired-backup-account");
        master.register(keys);
        credentials = MarathonCredentials.serviceAccount(acsLogin(keys, trust));
        expected = List.of("DC/OS login of service account 'retired-backup-account' at " + endpoint
            + " was refused (401");
      }
      default -> throw new IllegalArgumentException(fault);
    }
    // A backup to restore, taken before: by the account itself when it is the one to be revoked.
    BackupService before = fault.equals("revoked-account") ? new BackupService(configWith(credentials, tls))
        : world.service();
    try (OperatorRuntime operator = operator(ns, before, Clock.systemUTC())) {
      client.resource(ApiObjects.backup(ns, "before", "before")).create();
      ApiObjects.awaitPhase(client, Backup.class, ns, "before", Phase.STATUS_READY);
    } finally {
      if (before != world.service()) {
        before.close();
      }
    }
    String backupToRestore = client.resources(Backup.class).inNamespace(ns).withName("before").get().getStatus().id();
    try (BackupService service = new BackupService(configWith(credentials, tls));
         OperatorRuntime operator = operator(ns, service, Clock.systemUTC())) {
      if (fault.equals("revoked-account")) {
        master.revoke(keys.uid);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> simulator.leaderIndex().isPresent());
      Map<String, String> stateBefore = stateVersions();
      int electionsBefore = simulator.elections();

      client.resource(ApiObjects.backup(ns, "refused", "refused")).create();
      Backup backup = ApiObjects.awaitPhase(client, Backup.class, ns, "refused", Phase.STATUS_ERROR);
      client.resource(ApiObjects.restore(ns, "refused", new RestoreSpec(backupToRestore, null))).create();
      Restore restore = ApiObjects.awaitPhase(client, Restore.class, ns, "refused", Phase.STATUS_ERROR);

      for (String message : List.of(backup.getStatus().message(), restore.getStatus().message())) {
        assertThat(message).contains(expected).doesNotContain(keys.privateKeyBase64().substring(0, 40));
        for (String token : master.issuedTokens()) {
          assertThat(message).doesNotContain(token);
        }
      }
      assertThat(world.service().archive(backup.getStatus().id())).as("no archive of a failed backup").isEmpty();
      assertThat(stateVersions()).as("<zk>/state untouched").isEqualTo(stateBefore);
      assertThat(simulator.elections()).as("no Marathon leader was made to abdicate").isEqualTo(electionsBefore);
      for (String participant : zk.getChildren().forPath(world.zookeeper().latchPath())) {
        String id = new String(zk.getData().forPath(world.zookeeper().latchPath() + "/" + participant),
            StandardCharsets.UTF_8);
        assertThat(id).as("no operator latch node left").doesNotStartWith(MarathonFence.ID_PREFIX);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private static AcsLogin acsLogin(ServiceAccountKeys keys, TlsTrust tls) {
    return new AcsLogin(ServiceAccountCredential.parse(keys.credentialJson(master.loginEndpoint())), tls,
        Duration.ofSeconds(5), Duration.ofHours(1), Clock.systemUTC());
  }

  /** The world's target with other credentials and trust. */
  private static TargetConfig configWith(MarathonCredentials credentials, TlsTrust tls) {
    TargetConfig healthy = world.service().config();
    return new TargetConfig(healthy.zookeeper(), healthy.marathonUrl(), credentials, healthy.backupDirectory(),
        healthy.fence(), healthy.zkSessionTimeout(), healthy.zkConnectTimeout(), healthy.marathonRequestTimeout(),
        tls);
  }

  private static OperatorRuntime operator(String ns, BackupService service, Clock clock) throws Exception {
    return OperatorRuntime.start(client, service, new OperatorRuntime.Options(Set.of(ns), Optional.empty(), false,
        clock, "127.0.0.1", 0).withClock(clock, Duration.ofMillis(100)));
  }

  /** Moves the clock past the schedule's next fire time and waits for that many of its Backups to be ready. */
  private static void tick(String ns, MutableClock clock, int readyBackups) {
    await().atMost(ApiObjects.OPERATION_TIMEOUT).until(() -> {
      BackupSchedule s = client.resources(BackupSchedule.class).inNamespace(ns).withName("every-minute").get();
      return s.getStatus() != null && s.getStatus().nextScheduleTime() != null
          && Instant.parse(s.getStatus().nextScheduleTime()).isAfter(clock.instant());
    });
    Instant next = Instant.parse(client.resources(BackupSchedule.class).inNamespace(ns).withName("every-minute").get()
        .getStatus().nextScheduleTime());
    clock.set(next.plusSeconds(1));
    await().atMost(ApiObjects.OPERATION_TIMEOUT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      List<Backup> owned = client.resources(Backup.class).inNamespace(ns)
          .withLabel(BackupSchedule.SCHEDULE_LABEL, "every-minute").list().getItems();
      assertThat(owned).as("no scheduled backup failed").noneSatisfy(b -> assertThat(ApiObjects.phaseOf(b))
          .isEqualTo(Phase.STATUS_ERROR));
      assertThat(owned).filteredOn(b -> ApiObjects.phaseOf(b) == Phase.STATUS_READY).hasSize(readyBackups);
    });
  }

  private static Map<String, String> stateVersions() throws Exception {
    return ZkTrees.changeStamps(zk, world.zookeeper().statePath());
  }
}
