package io.dcos.backup.dcos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.dcos.backup.marathon.AcsLogin;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.MarathonException;
import io.dcos.backup.marathon.ServiceAccountCredential;
import io.dcos.backup.marathon.TlsTrust;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service-account login against an embedded DC/OS master (login endpoint + Admin Router over HTTPS with a CA the
 * test generates): the login JWT verifies with the account's public key, ACS tokens are reused until shortly before
 * they expire, a 401 triggers exactly one new login, and failures say which account and endpoint without the key.
 */
class ServiceAccountLoginTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static TestCa ca;
  private static TestCa otherCa;
  private static DcosMaster master;
  private static HttpServer marathon;
  private static final AtomicInteger marathonRequests = new AtomicInteger();
  private static volatile int marathonStatus = 200;
  private static TlsTrust trust;
  private static ServiceAccountKeys account;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("dcos-test-ca");
    otherCa = TestCa.create("some-other-ca");
    master = DcosMaster.start(ca.serverContext());
    trust = TlsTrust.fromPemFile(ca.writePem(dir.resolve("dcos-ca.crt")), "set MARATHON_CA_FILE to the cluster CA");
    account = ServiceAccountKeys.generate("marathon-backup");
    master.register(account);
    // Marathon behind Admin Router, plain HTTP on the "private network": answers /v2/info.
    marathon = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    marathon.createContext("/", ex -> {
      marathonRequests.incrementAndGet();
      String path = ex.getRequestURI().getPath();
      byte[] body = (path.equals("/v2/info") && marathonStatus == 200
          ? "{\"name\":\"marathon\",\"version\":\"1.11.24\",\"elected\":true,\"leader\":\"10.0.0.1:8080\"}"
          : "{\"message\":\"" + path + "\"}").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(path.equals("/v2/info") ? marathonStatus : 404, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    marathon.start();
    URI upstream = URI.create("http://127.0.0.1:" + marathon.getAddress().getPort());
    master.routeTo(() -> List.of(upstream));
  }

  @AfterAll
  static void stop() {
    master.close();
    marathon.stop(0);
  }

  @BeforeEach
  void defaults() {
    master.tokenLifetime(Duration.ofSeconds(30));
    master.opaqueTokens(false);
    marathonStatus = 200;
  }

  private static AcsLogin login(ServiceAccountCredential credential, TlsTrust tls, Duration fallbackLifetime) {
    return new AcsLogin(credential, tls, TIMEOUT, fallbackLifetime, Clock.systemUTC());
  }

  private static AcsLogin login() {
    return login(ServiceAccountCredential.parse(account.credentialJson(master.loginEndpoint())), trust,
        Duration.ofHours(1));
  }

  @Test
  void theLoginJwtVerifiesWithThePublicKeyAndTheTokenIsReusedWhileValid() throws Exception {
    int before = master.logins();
    AcsLogin login = login();
    String token = login.token();
    assertThat(master.isCurrent(token)).as("an ACS token the master issued").isTrue();
    assertThat(login.token()).isEqualTo(token);
    assertThat(login.logins()).isEqualTo(1);
    assertThat(master.logins() - before).isEqualTo(1);
  }

  @Test
  void aPkcs1KeyAsOpensslWritesItLogsInToo() throws Exception {
    AcsLogin login = login(ServiceAccountCredential.parse(account.credentialJson(master.loginEndpoint(),
        account.pkcs1PrivateKeyPem())), trust, Duration.ofHours(1));
    assertThat(master.isCurrent(login.token())).isTrue();
  }

  @Test
  void aTokenIsRenewedBeforeItsExpClaimPasses() throws Exception {
    master.tokenLifetime(Duration.ofSeconds(2));
    AcsLogin login = login();
    String first = login.token();
    // Renewed a fifth of the lifetime early: at 1.6 s, while the first token is still current.
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
        .until(() -> !login.token().equals(first));
    assertThat(login.logins()).isEqualTo(2);
    assertThat(master.isCurrent(login.token())).isTrue();
  }

  @Test
  void aTokenThatIsNotAJwtIsKeptForTheConfiguredLifetime() throws Exception {
    master.opaqueTokens(true);
    master.tokenLifetime(Duration.ofSeconds(30));
    AcsLogin login = login(ServiceAccountCredential.parse(account.credentialJson(master.loginEndpoint())), trust,
        Duration.ofSeconds(1));
    String first = login.token();
    assertThat(first).doesNotContain(".");
    Thread.sleep(300);
    assertThat(login.token()).as("well within the configured lifetime").isEqualTo(first);
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
        .until(() -> !login.token().equals(first));
  }

  @Test
  void throughAdminRouterTheBasePathIsKeptAndA401LogsInAgainOnce() throws Exception {
    AcsLogin login = login();
    MarathonClient client = new MarathonClient(master.marathonUrl(), MarathonCredentials.serviceAccount(login),
        TIMEOUT, trust);
    assertThat(client.info().version()).isEqualTo("1.11.24");
    assertThat(login.logins()).isEqualTo(1);

    master.invalidateIssuedTokens(); // e.g. an administrator reset the account's sessions
    int rejectedBefore = master.rejectedRequests();
    assertThat(client.info().elected()).isTrue();
    assertThat(master.rejectedRequests() - rejectedBefore).as("the stale token was sent once").isEqualTo(1);
    assertThat(login.logins()).as("one new login after the 401").isEqualTo(2);
  }

  @Test
  void aMarathonThatKeepsAnswering401GetsOneRetryNotALoop() throws Exception {
    AcsLogin login = login();
    MarathonClient client = new MarathonClient(master.marathonUrl(), MarathonCredentials.serviceAccount(login),
        TIMEOUT, trust);
    marathonStatus = 401; // Marathon itself refuses (e.g. its own ACL), whatever the token
    int requestsBefore = marathonRequests.get();
    assertThatThrownBy(client::info).isInstanceOfSatisfying(MarathonException.class, e -> {
      assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNAUTHORIZED);
      assertThat(e.getMessage()).contains("401 Unauthorized", "service account 'marathon-backup'");
    });
    assertThat(marathonRequests.get() - requestsBefore).isEqualTo(2);
    assertThat(login.logins()).isEqualTo(2);
  }

  @Test
  void aWrongKeyIsRefusedNamingTheAccountAndEndpointButNotTheKey() throws Exception {
    ServiceAccountKeys impostor = ServiceAccountKeys.generate("marathon-backup"); // same uid, another key
    AcsLogin login = login(ServiceAccountCredential.parse(impostor.credentialJson(master.loginEndpoint())), trust,
        Duration.ofHours(1));
    assertThatThrownBy(login::token).isInstanceOfSatisfying(MarathonException.class, e -> {
      assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNAUTHORIZED);
      assertThat(e.getMessage()).contains("'marathon-backup'", master.loginEndpoint().toString(), "refused (401")
          .doesNotContain(impostor.privateKeyBase64().substring(0, 40)).doesNotContain("PRIVATE KEY");
    });
  }

  @Test
  void anUntrustedLoginEndpointSaysWhichHostAndWhatToConfigure() throws Exception {
    TlsTrust wrongCa = TlsTrust.fromPemFile(otherCa.writePem(dir.resolve("other-ca.crt")),
        "set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt)");
    AcsLogin login = login(ServiceAccountCredential.parse(account.credentialJson(master.loginEndpoint())), wrongCa,
        Duration.ofHours(1));
    assertThatThrownBy(login::token).isInstanceOfSatisfying(MarathonException.class, e -> {
      assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNTRUSTED);
      assertThat(e.getMessage()).contains("TLS certificate of 127.0.0.1 is not trusted",
          "set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt)", "'marathon-backup'");
    });
  }

  @Test
  void anUntrustedMarathonSaysWhichHostAndWhatToConfigure() throws Exception {
    MarathonClient client = new MarathonClient(master.marathonUrl(), MarathonCredentials.none(), TIMEOUT,
        TlsTrust.jvmDefault("set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt)"));
    assertThatThrownBy(client::info).isInstanceOfSatisfying(MarathonException.class, e -> {
      assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNTRUSTED);
      assertThat(e.getMessage()).contains("TLS certificate of 127.0.0.1 is not trusted",
          "set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt)");
    });
    MarathonClient direct = client.forLeader("127.0.0.1:" + master.marathonUrl().getPort());
    assertThatThrownBy(direct::info).as("a leader's own address can be stood in for by the configured URL")
        .isInstanceOfSatisfying(MarathonException.class,
            e -> assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNREACHABLE));
  }

  /**
   * Behind Admin Router the leader's own address (its election node) is Marathon's plain HTTP port: over https that is
   * UNREACHABLE, so the fence falls back to the configured URL, rather than a certificate error that would stop it.
   */
  @Test
  void aLeadersPlainHttpAddressIsUnreachableOverHttpsNotACertificateError() throws Exception {
    // A short timeout: the JDK's HttpServer does not answer a TLS ClientHello at all (Marathon's Jetty answers 400).
    MarathonClient client = new MarathonClient(master.marathonUrl(), MarathonCredentials.serviceAccount(login()),
        Duration.ofSeconds(1), trust);
    MarathonClient leader = client.forLeader("127.0.0.1:" + marathon.getAddress().getPort());
    assertThat(leader.baseUrl()).isEqualTo(URI.create("https://127.0.0.1:" + marathon.getAddress().getPort()));
    assertThatThrownBy(leader::abdicate).isInstanceOfSatisfying(MarathonException.class,
        e -> assertThat(e.kind()).isEqualTo(MarathonException.Kind.UNREACHABLE));
    assertThat(client.info().elected()).as("the configured URL still reaches it").isTrue();
  }

  @Test
  void credentialObjectsNeverShowTheKey() throws Exception {
    ServiceAccountCredential credential = ServiceAccountCredential.parse(account.credentialJson(
        master.loginEndpoint()));
    AcsLogin login = login(credential, trust, Duration.ofHours(1));
    String token = login.token();
    MarathonCredentials credentials = MarathonCredentials.serviceAccount(login);
    MarathonClient client = new MarathonClient(master.marathonUrl(), credentials, TIMEOUT, trust);
    for (Object o : List.of(credential, login, credentials, client)) {
      assertThat(o.toString()).contains("marathon-backup").doesNotContain(account.privateKeyBase64().substring(0, 40))
          .doesNotContain(token);
    }
    assertThat(credentials.describe()).doesNotContain(token);
  }

  @Test
  void aBadCredentialIsRefusedWithoutQuotingTheKey() throws Exception {
    String key = account.privateKeyPem();
    String broken = account.credentialJson(master.loginEndpoint()).replace("\"RS256\"", "\"RS256\",");
    assertThatThrownBy(() -> ServiceAccountCredential.parse(broken))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON")
        .hasMessageNotContaining(key.substring(40, 80));
    String noEndpoint = "{\"uid\":\"marathon-backup\",\"private_key\":" + new com.fasterxml.jackson.databind
        .ObjectMapper().writeValueAsString(key) + "}";
    assertThatThrownBy(() -> ServiceAccountCredential.parse(noEndpoint))
        .hasMessageContaining("no \"login_endpoint\"").hasMessageNotContaining(key.substring(40, 80));
    String hs256 = account.credentialJson(master.loginEndpoint()).replace("\"RS256\"", "\"HS256\"");
    assertThatThrownBy(() -> ServiceAccountCredential.parse(hs256)).hasMessageContaining("only RS256");
    String garbled = account.credentialJson(master.loginEndpoint(), "-----BEGIN PRIVATE KEY-----\nAAAA\n"
        + "-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> ServiceAccountCredential.parse(garbled)).hasMessageContaining("not an RSA private key");
  }
}
