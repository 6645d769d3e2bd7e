package io.dcos.backup.zookeeper;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;

final class ZkPaths {
  private ZkPaths() {}

  static String validateRoot(String rootPath) {
    if (rootPath == null || !rootPath.startsWith("/") || (rootPath.length() > 1 && rootPath.endsWith("/"))
        || rootPath.contains("//")) {
      throw new IllegalArgumentException("not an absolute ZooKeeper path: " + rootPath);
    }
    return rootPath;
  }

  static String relative(String root, String absolute) {
    if (absolute.equals(root)) {
      return "";
    }
    return root.equals("/") ? absolute : absolute.substring(root.length());
  }

  static String child(String parent, String name) {
    return parent.equals("/") ? "/" + name : parent + "/" + name;
  }

  static boolean isAtOrBelow(String path, String root) {
    return path.equals(root) || root.equals("/") || path.startsWith(root + "/");
  }

  /** Brings the session's server up to date with the leader, so the reads that follow are not stale. */
  static void sync(ZooKeeper zk, String path) throws Exception {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    zk.sync(path, (rc, p, ctx) -> done.complete(rc), null);
    int rc = done.get(60, TimeUnit.SECONDS);
    if (rc != Code.OK.intValue() && rc != Code.NONODE.intValue()) {
      throw KeeperException.create(Code.get(rc), path);
    }
  }
}
