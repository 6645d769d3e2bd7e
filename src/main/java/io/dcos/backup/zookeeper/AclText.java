package io.dcos.backup.zookeeper;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;

/**
 * ACLs as messages may show them. A digest id is {@code user:base64(SHA-1(user:password))}: an unsalted hash that a
 * dictionary attack reverses, so only its user part may reach statuses, Events and logs.
 */
public final class AclText {
  private AclText() {}

  public static String describe(List<ACL> acl) {
    if (acl == null) {
      return "null";
    }
    return acl.stream().map(AclText::describe).collect(Collectors.joining(", ", "[", "]"));
  }

  static String describe(ACL entry) {
    String scheme = entry.getId() == null ? "?" : entry.getId().getScheme();
    String id = entry.getId() == null ? "?" : entry.getId().getId();
    if ("digest".equals(scheme)) {
      int colon = id.indexOf(':');
      id = (colon < 0 ? "?" : id.substring(0, colon)) + ":<hash>";
    }
    return scheme + ":" + id + ":" + perms(entry.getPerms());
  }

  private static String perms(int perms) {
    StringBuilder out = new StringBuilder();
    if ((perms & Perms.CREATE) != 0) out.append('c');
    if ((perms & Perms.DELETE) != 0) out.append('d');
    if ((perms & Perms.READ) != 0) out.append('r');
    if ((perms & Perms.WRITE) != 0) out.append('w');
    if ((perms & Perms.ADMIN) != 0) out.append('a');
    return out.toString();
  }
}
