package io.dcos.backup.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;

class AclTextTest {

  @Test
  void digestIdsShowTheUserButNeverTheHash() throws Exception {
    String digest = DigestAuthenticationProvider.generateDigest("dcos_marathon:s3cret-password");
    String hash = digest.substring(digest.indexOf(':') + 1);
    List<ACL> acl = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)),
        new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));

    String text = AclText.describe(acl);

    assertThat(text).isEqualTo("[digest:dcos_marathon:<hash>:cdrwa, world:anyone:r]");
    assertThat(text).doesNotContain(hash);
    assertThat(new ZNode("/apps", new byte[0], acl).toString()).doesNotContain(hash).contains("dcos_marathon");
  }
}
