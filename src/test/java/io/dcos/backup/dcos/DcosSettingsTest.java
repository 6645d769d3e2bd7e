package io.dcos.backup.dcos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.operator.OperatorSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MARATHON_SERVICE_ACCOUNT_FILE and MARATHON_CA_FILE: read at start, and a bad one is a one-line startup error. */
class DcosSettingsTest {
  private static final URI LOGIN = URI.create("https://master.example/acs/api/v1/auth/login");
  private static ServiceAccountKeys account;

  @TempDir
  static Path dir;

  @BeforeAll
  static void keys() throws Exception {
    account = ServiceAccountKeys.generate("marathon-backup");
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("MARATHON_ZK", "zk://master.mesos:2181/marathon");
    env.put("MARATHON_URL", "https://master.example/service/marathon");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void aServiceAccountAndTheClusterCaAreReadFromTheirFiles() throws Exception {
    Path credential = account.writeCredential(dir.resolve("sa.json"), LOGIN);
    Path caFile = TestCa.create("dcos").writePem(dir.resolve("dcos-ca.crt"));
    TargetConfig target = OperatorSettings.fromEnvironment(env("MARATHON_SERVICE_ACCOUNT_FILE", credential.toString(),
        "MARATHON_CA_FILE", caFile.toString())).target();
    assertThat(target.marathonUrl()).isEqualTo(URI.create("https://master.example/service/marathon"));
    assertThat(target.marathonCredentials()).isInstanceOfSatisfying(MarathonCredentials.ServiceAccount.class,
        c -> assertThat(c.login().describe()).isEqualTo("service account 'marathon-backup' at " + LOGIN));
    assertThat(target.marathonTrust().source()).isEqualTo("the CA bundle " + caFile);
    assertThat(target.toString()).doesNotContain(account.privateKeyBase64().substring(0, 40));
  }

  @Test
  void withoutACaFileTheJvmsCasAreTrustedAndAnErrorSaysToSetIt() {
    TargetConfig target = OperatorSettings.fromEnvironment(env()).target();
    assertThat(target.marathonTrust().source()).isEqualTo("the JVM's default trust store");
    assertThat(target.marathonTrust().certificateProblem("master.example",
        new javax.net.ssl.SSLHandshakeException("PKIX path validation failed").initCause(
            new java.security.cert.CertPathValidatorException("untrusted"))))
        .hasValueSatisfying(m -> assertThat(m).contains("TLS certificate of master.example is not trusted",
            "set MARATHON_CA_FILE to the cluster CA (dcos-ca.crt"));
  }

  @Test
  void aMissingOrBrokenFileStopsTheStartNamingTheVariable() throws Exception {
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_SERVICE_ACCOUNT_FILE",
        dir.resolve("absent.json").toString())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("environment variable "
            + "MARATHON_SERVICE_ACCOUNT_FILE: cannot read");
    Path notJson = Files.writeString(dir.resolve("broken.json"), account.credentialJson(LOGIN).substring(0, 200));
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_SERVICE_ACCOUNT_FILE",
        notJson.toString())))
        .hasMessageStartingWith("environment variable MARATHON_SERVICE_ACCOUNT_FILE (" + notJson + ")")
        .hasMessageContaining("not JSON").hasMessageNotContaining("MII");
    Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate");
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_CA_FILE", notPem.toString())))
        .hasMessageStartingWith("environment variable MARATHON_CA_FILE: ");
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_CA_FILE", dir.resolve("none.crt")
        .toString()))).hasMessageStartingWith("environment variable MARATHON_CA_FILE: cannot read");
  }

  @Test
  void oneWayOfAuthenticatingAtATime() throws Exception {
    Path credential = account.writeCredential(dir.resolve("sa-twice.json"), LOGIN);
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_SERVICE_ACCOUNT_FILE",
        credential.toString(), "MARATHON_TOKEN", "abc")))
        .hasMessageContaining("MARATHON_SERVICE_ACCOUNT_FILE is set together with MARATHON_TOKEN");
    assertThat(OperatorSettings.fromEnvironment(env("MARATHON_TOKEN", "abc")).target().marathonCredentials())
        .isInstanceOf(MarathonCredentials.Token.class);
    assertThat(OperatorSettings.fromEnvironment(env("MARATHON_USERNAME", "u", "MARATHON_PASSWORD", "p")).target()
        .marathonCredentials()).isInstanceOf(MarathonCredentials.Basic.class);
  }

  @Test
  void theFallbackTokenLifetimeIsValidatedLikeTheOtherDurations() throws Exception {
    Path credential = account.writeCredential(dir.resolve("sa-lifetime.json"), LOGIN);
    assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env("MARATHON_SERVICE_ACCOUNT_FILE",
        credential.toString(), "MARATHON_TOKEN_LIFETIME_SECONDS", "soon")))
        .hasMessageStartingWith("environment variable MARATHON_TOKEN_LIFETIME_SECONDS must be a whole number");
  }
}
