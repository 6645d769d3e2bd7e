package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which op codes the server knows, asked by sending them: {@code create2} (3.5) and the 3.6 ones this package uses
 * when it can, read-only multi() and persistent recursive watches. Without them (3.4, 3.5) the walk reads node by
 * node and online snapshots fall back to the fence; the operator's own writes never need them (see
 * {@link PortableWrites}).
 *
 * <p>A server that does not know an op code answers UNIMPLEMENTED and then closes the connection (a 3.4 server also
 * gets its reply order wrong: "Xid out of order"). On the operator's own session that disconnect would cost the
 * fence its connection. So the question is asked once per connect string (cached for ten minutes) on a throw-away
 * session of its own.
 */
public final class ServerFeatures {
  private static final Logger LOG = LoggerFactory.getLogger(ServerFeatures.class);
  private static final long CACHE_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final Map<String, Answer> CACHE = new ConcurrentHashMap<>();

  /** What a server speaks, by the release that introduced it. */
  enum Generation { V3_4, V3_5, V3_6_OR_LATER }

  private record Answer(Generation generation, long at) {}

  private ServerFeatures() {}

  /** True for ZooKeeper 3.6+ (multi-read and addWatch), false for 3.5. */
  static boolean modern(CuratorFramework client) throws Exception {
    return generation(client) == Generation.V3_6_OR_LATER;
  }

  /** The server's generation in words: {@code 3.4}, {@code 3.5} or {@code 3.6+} (asked as described above). */
  public static String generationName(CuratorFramework client) throws Exception {
    return switch (generation(client)) {
      case V3_4 -> "3.4";
      case V3_5 -> "3.5";
      case V3_6_OR_LATER -> "3.6+";
    };
  }

  static Generation generation(CuratorFramework client) throws Exception {
    String connectString = client.getZookeeperClient().getCurrentConnectionString();
    Answer cached = CACHE.get(connectString);
    if (cached != null && System.nanoTime() - cached.at() < CACHE_NANOS) {
      return cached.generation();
    }
    Generation generation = probe(connectString);
    CACHE.put(connectString, new Answer(generation, System.nanoTime()));
    if (generation != Generation.V3_6_OR_LATER) {
      LOG.info("ZooKeeper at {} speaks {} (no read-only multi, no persistent watches): reading node by node, "
          + "proving snapshots with a zxid mark and tracking changes with one-shot watches", connectString,
          generation == Generation.V3_4 ? "3.4" : "3.5");
    }
    return generation;
  }

  /** A connection lost mid-probe (a server of the ensemble died) is asked again, on a new connection. */
  private static Generation probe(String connectString) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return probeOnce(connectString);
      } catch (IOException e) {
        if (attempt == 3) {
          throw e;
        }
        LOG.info("asking ZooKeeper at {} which requests it supports again: {}", connectString, e.getMessage());
      }
    }
  }

  private static Generation probeOnce(String connectString) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper probe = new ZooKeeper(connectString, 10_000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      if (!connected.await(15, TimeUnit.SECONDS)) {
        throw new IOException("could not connect to ZooKeeper " + connectString + " to probe its version");
      }
      if (!knows(() -> probe.create("/" + UUID.randomUUID() + "/create2-probe", new byte[0],
          ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, new Stat()))) {
        return Generation.V3_4; // the parent does not exist: a 3.5+ server answers NONODE and creates nothing
      }
      return knows(() -> probe.addWatch("/", event -> { }, AddWatchMode.PERSISTENT))
          ? Generation.V3_6_OR_LATER : Generation.V3_5;
    } finally {
      probe.close();
    }
  }

  private interface ZkCall {
    void run() throws KeeperException, InterruptedException;
  }

  private static boolean knows(ZkCall call) throws InterruptedException, IOException {
    try {
      call.run();
      return true;
    } catch (KeeperException.UnimplementedException e) {
      return false;
    } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException
             | KeeperException.OperationTimeoutException e) {
      // No answer is no answer: guessing would be cached for ten minutes.
      throw new IOException("could not ask ZooKeeper which requests it supports: " + e.getMessage(), e);
    } catch (KeeperException e) {
      return true; // NONODE, NOAUTH, …: the op code is known
    }
  }
}
