package io.dcos.backup.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.zookeeper.data.ACL;

/**
 * One znode: path relative to the snapshotted root ({@code ""} = the root itself, else {@code "/a/b"}), data
 * ({@code null} allowed: ZooKeeper distinguishes null from empty data), ACL list.
 *
 * <p>equals/hashCode compare the data bytes, not the array identity.
 */
public record ZNode(String relativePath, byte[] data, List<ACL> acl) {
  public ZNode {
    Objects.requireNonNull(relativePath, "relativePath");
    Objects.requireNonNull(acl, "acl");
    if (!relativePath.isEmpty() && (!relativePath.startsWith("/") || relativePath.endsWith("/"))) {
      throw new IllegalArgumentException("relative path must be empty or start with '/' and not end with it: "
          + relativePath);
    }
    // Not List.copyOf: ZooKeeper validates ACL lists with contains(null), which immutable lists answer with an NPE.
    acl = Collections.unmodifiableList(new ArrayList<>(acl));
  }

  /** Absolute path of this node below {@code root}. */
  public String absolutePath(String root) {
    return relativePath.isEmpty() ? root : ("/".equals(root) ? relativePath : root + relativePath);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ZNode z && relativePath.equals(z.relativePath) && Arrays.equals(data, z.data)
        && acl.equals(z.acl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(relativePath, Arrays.hashCode(data), acl);
  }

  @Override
  public String toString() {
    String d = data == null ? "null" : data.length + " bytes";
    if (data != null && data.length <= 32) {
      d += " \"" + new String(data, StandardCharsets.UTF_8) + "\"";
    }
    return "ZNode[" + (relativePath.isEmpty() ? "<root>" : relativePath) + ", " + d + ", acl=" + AclText.describe(acl) + "]";
  }
}
