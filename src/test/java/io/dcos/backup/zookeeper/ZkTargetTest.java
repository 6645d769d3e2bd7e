package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ZkTargetTest {
  @Test
  void parsesHostsAndPath() {
    ZkTarget t = ZkTarget.parse("zk://zk-1.zk:2181,zk-2.zk:2182/custom/marathon");
    assertThat(t.hosts()).containsExactly("zk-1.zk:2181", "zk-2.zk:2182");
    assertThat(t.connectString()).isEqualTo("zk-1.zk:2181,zk-2.zk:2182");
    assertThat(t.path()).isEqualTo("/custom/marathon");
    assertThat(t.statePath()).isEqualTo("/custom/marathon/state");
    assertThat(t.latchPath()).isEqualTo("/custom/marathon/leader-curator");
    assertThat(t.digestCredentials()).isEmpty();
  }

  @Test
  void pathDefaultsToMarathonAndPortTo2181() {
    assertThat(ZkTarget.parse("zk://master.mesos").path()).isEqualTo("/marathon");
    assertThat(ZkTarget.parse("zk://master.mesos/").path()).isEqualTo("/marathon");
    assertThat(ZkTarget.parse("zk://master.mesos").hosts()).containsExactly("master.mesos:2181");
    assertThat(ZkTarget.parse("zk://h:1/marathon/").path()).isEqualTo("/marathon");
  }

  @Test
  void credentialsAreKeptButNeverShown() {
    ZkTarget t = ZkTarget.parse("zk://dcos_marathon:s3cr@t@10.0.0.1:2181,10.0.0.2:2181/marathon");
    assertThat(t.digestCredentials()).isEqualTo(Optional.of("dcos_marathon:s3cr@t"));
    assertThat(t.hosts()).containsExactly("10.0.0.1:2181", "10.0.0.2:2181");
    assertThat(t.toString()).isEqualTo("zk://***@10.0.0.1:2181,10.0.0.2:2181/marathon")
        .doesNotContain("s3cr").doesNotContain("dcos_marathon");
  }

  @Test
  void ipv6Hosts() {
    assertThat(ZkTarget.parse("zk://[::1]:2181,[fe80::1]/m").hosts()).isEqualTo(List.of("[::1]:2181", "[fe80::1]:2181"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "http://h:2181/marathon", "zk://", "zk:///marathon", "zk://h:2181,,h2:2181/m",
      "zk://h:abc/m", "zk://h:0/m", "zk://h:70000/m", "zk://h:2181//m", "zk://h:2181/m/../x", "zk://h:2181/m?x=1",
      "zk://user@h:2181/m", "zk://:pw@h:2181/m", "zk://h o s t:2181/m"})
  void rejectsBadUrls(String url) {
    assertThatThrownBy(() -> ZkTarget.parse(url)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid ZooKeeper URL");
  }

  @Test
  void rejectionMessageNeverContainsCredentials() {
    assertThatThrownBy(() -> ZkTarget.parse("zk://admin:hunter2@h:notaport/m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2").hasMessageNotContaining("admin");
    assertThatThrownBy(() -> ZkTarget.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
