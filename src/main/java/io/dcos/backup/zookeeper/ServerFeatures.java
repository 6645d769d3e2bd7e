package io.dcos.backup.zookeeper;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the server knows the 3.6 op codes this package uses: read-only multi() and persistent recursive watches.
 *
 * <p>A server that does not (3.5) answers an unknown op code with UNIMPLEMENTED and then closes the connection.
 * On the operator's own session that disconnect would suspend Curator's recipes — and the Marathon fence gives itself
 * up on a suspended connection. So the question is asked once per connect string (cached for ten minutes) on a
 * throw-away session of its own.
 */
final class ServerFeatures {
  private static final Logger LOG = LoggerFactory.getLogger(ServerFeatures.class);
  private static final long CACHE_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final Map<String, Answer> CACHE = new ConcurrentHashMap<>();

  private record Answer(boolean modern, long at) {}

  private ServerFeatures() {}

  /** True for ZooKeeper 3.6+ (multi-read and addWatch), false for 3.5. */
  static boolean modern(CuratorFramework client) throws Exception {
    String connectString = client.getZookeeperClient().getCurrentConnectionString();
    Answer cached = CACHE.get(connectString);
    if (cached != null && System.nanoTime() - cached.at() < CACHE_NANOS) {
      return cached.modern();
    }
    boolean modern = probe(connectString);
    CACHE.put(connectString, new Answer(modern, System.nanoTime()));
    if (!modern) {
      LOG.info("ZooKeeper at {} predates 3.6 (no read-only multi, no persistent watches): reading node by node, "
          + "and online snapshots cannot be proven consistent", connectString);
    }
    return modern;
  }

  private static boolean probe(String connectString) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper probe = new ZooKeeper(connectString, 10_000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      if (!connected.await(15, TimeUnit.SECONDS)) {
        throw new java.io.IOException("could not connect to ZooKeeper " + connectString + " to probe its version");
      }
      probe.addWatch("/", event -> { }, AddWatchMode.PERSISTENT);
      return true;
    } catch (KeeperException.UnimplementedException e) {
      return false;
    } catch (KeeperException e) {
      return true; // e.g. NOAUTH: the op code is known
    } finally {
      probe.close();
    }
  }
}
