package io.dcos.backup.engine;

import io.dcos.backup.zookeeper.ProtectedEphemeralNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup or restore at a time per Marathon, across operator replicas and installations: a mutex beside
 * Marathon's state, written with op codes every ZooKeeper server knows (3.4 included), one-shot watches only.
 *
 * <p>The layout is Curator's {@code InterProcessSemaphoreMutex}: {@code <lock>/locks/_c_<uuid>-lock-<seq>} is its
 * internal mutex and {@code <lock>/leases/} holds the lease. This lock holds the mutex node for the whole operation
 * and waits until {@code leases} is empty, so that it and an operator still using Curator's recipe exclude each
 * other: that one waits for the mutex before it takes a lease, and a lease it holds keeps this one waiting.
 *
 * <p>The nodes are ephemeral: the lock lives and dies with the ZooKeeper session that took it.
 */
final class OperationLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationLock.class);
  private static final String NODE_NAME = "lock-";
  /** Watches are one-shot and die with a session: a wait also looks again this often. */
  private static final long RECHECK_MILLIS = 1_000;

  private final CuratorFramework zk;
  private final String node;
  private final long session;

  private OperationLock(CuratorFramework zk, String node, long session) {
    this.zk = zk;
    this.node = node;
    this.session = session;
  }

  /** Takes the lock, waiting as long as another operation holds it (saying so once through {@code progress}). */
  static OperationLock acquire(CuratorFramework zk, String lockPath, ProgressListener progress) throws Exception {
    return take(zk, lockPath, () -> progress.progress("waiting for another operator's backup or restore of this "
        + "Marathon to finish (lock " + lockPath + ")")).orElseThrow();
  }

  /** Takes the lock only if nobody holds it. */
  static Optional<OperationLock> tryAcquire(CuratorFramework zk, String lockPath) throws Exception {
    return take(zk, lockPath, null);
  }

  /** @param onWait null: do not wait; otherwise called once, when the lock turns out to be held */
  private static Optional<OperationLock> take(CuratorFramework zk, String lockPath, Runnable onWait)
      throws Exception {
    String mutexPath = lockPath + "/locks";
    String leasesPath = lockPath + "/leases";
    String node = ProtectedEphemeralNode.create(zk, mutexPath, NODE_NAME, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE);
    long session = session(zk);
    boolean told = false;
    try {
      while (true) {
        List<String> queue = sortedChildren(zk, mutexPath);
        String ourName = node.substring(node.lastIndexOf('/') + 1);
        int ours = queue.indexOf(ourName);
        if (ours < 0) {
          // Our node went with an expired session: queue again.
          node = ProtectedEphemeralNode.create(zk, mutexPath, NODE_NAME, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE);
          session = session(zk);
          continue;
        }
        String waitFor = ours > 0 ? mutexPath + "/" + queue.get(ours - 1) : null;
        CountDownLatch changed = new CountDownLatch(1);
        Watcher wake = event -> changed.countDown();
        boolean free;
        if (waitFor != null) {
          free = exists(zk, waitFor, wake) == null;
          if (free) {
            continue; // the one ahead left: look at the queue again
          }
        } else {
          free = children(zk, leasesPath, wake).isEmpty();
          if (free) {
            return Optional.of(new OperationLock(zk, node, session));
          }
        }
        if (onWait == null) {
          delete(zk, node);
          return Optional.empty();
        }
        if (!told) {
          onWait.run();
          told = true;
        }
        changed.await(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (Exception | Error e) {
      delete(zk, node);
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      if (session(zk) != session) {
        // Nothing to release (and no quorum to release it with, most likely): the node went with the session.
        LOG.warn("operation lock not released: the ZooKeeper session that held it is gone, and its node with it");
        return;
      }
    } catch (Exception e) {
      LOG.warn("could not release operation lock: {}", e.toString());
      return;
    }
    delete(zk, node);
  }

  private static void delete(CuratorFramework zk, String node) {
    try {
      zk.delete().guaranteed().forPath(node);
    } catch (KeeperException.NoNodeException gone) {
      // already gone with its session
    } catch (Exception e) {
      LOG.warn("could not release operation lock {} for now ({}); Curator keeps retrying the delete", node,
          e.toString());
    }
  }

  private static long session(CuratorFramework zk) throws Exception {
    return zk.getZookeeperClient().getZooKeeper().getSessionId();
  }

  private static List<String> sortedChildren(CuratorFramework zk, String path) throws Exception {
    List<String> sorted = new ArrayList<>(children(zk, path, null));
    sorted.removeIf(name -> ProtectedEphemeralNode.sequenceOf(name, NODE_NAME) < 0);
    sorted.sort(Comparator.comparingLong(name -> ProtectedEphemeralNode.sequenceOf(name, NODE_NAME)));
    return sorted;
  }

  private static List<String> children(CuratorFramework zk, String path, Watcher watcher) throws Exception {
    return RetryLoop.callWithRetry(zk.getZookeeperClient(), () -> {
      try {
        return zk.getZookeeperClient().getZooKeeper().getChildren(path, watcher);
      } catch (KeeperException.NoNodeException e) {
        return List.<String>of();
      }
    });
  }

  private static org.apache.zookeeper.data.Stat exists(CuratorFramework zk, String path, Watcher watcher)
      throws Exception {
    return RetryLoop.callWithRetry(zk.getZookeeperClient(),
        () -> zk.getZookeeperClient().getZooKeeper().exists(path, watcher));
  }
}
