package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;

class ZkConnectorTest {
  @Test
  void unreachableEnsembleFailsWithinTheTimeoutWithoutShowingCredentials() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ZkTarget target = ZkTarget.parse("zk://marathon:topsecret@127.0.0.1:" + closedPort + "/marathon");
    long start = System.nanoTime();
    assertThatThrownBy(() -> ZkConnector.connect(target, Duration.ofSeconds(10), Duration.ofMillis(1500)))
        .isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1:" + closedPort)
        .hasMessageNotContaining("topsecret");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void credentialsFromTheUrlAuthenticateTheSession() throws Exception {
    ZkTestSupport.quietZooKeeperLogs();
    try (TestingServer server = new TestingServer(true);
         CuratorFramework owner = ZkConnector.connect(
             ZkTarget.parse("zk://u:p@" + server.getConnectString() + "/m"), Duration.ofSeconds(10),
             Duration.ofSeconds(10));
         CuratorFramework anonymous = ZkConnector.connect(
             ZkTarget.parse("zk://" + server.getConnectString() + "/m"), Duration.ofSeconds(10),
             Duration.ofSeconds(10))) {
      owner.create().withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath("/private", new byte[] {1});
      assertThat(owner.getData().forPath("/private")).containsExactly(1);
      assertThatThrownBy(() -> anonymous.getData().forPath("/private"))
          .isInstanceOf(org.apache.zookeeper.KeeperException.NoAuthException.class);
    }
  }
}
