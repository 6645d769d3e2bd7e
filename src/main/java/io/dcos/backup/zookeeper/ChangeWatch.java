package io.dcos.backup.zookeeper;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Remembers the first change below a path, via a persistent recursive watch. */
final class ChangeWatch implements Watcher {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeWatch.class);

  private final ZooKeeper zk;
  private final String root;
  private final AtomicReference<String> firstChange = new AtomicReference<>();
  private volatile boolean active;

  private ChangeWatch(ZooKeeper zk, String root) {
    this.zk = zk;
    this.root = root;
  }

  /** @param modern whether the server knows addWatch (3.6+); an unknown op code would cost the connection */
  static ChangeWatch start(ZooKeeper zk, String root, boolean modern) throws Exception {
    ChangeWatch w = new ChangeWatch(zk, root);
    if (!modern) {
      return w; // the caller proves the walk another way (ZxidMark)
    }
    try {
      zk.addWatch(root, w, AddWatchMode.PERSISTENT_RECURSIVE);
      w.active = true;
    } catch (KeeperException.UnimplementedException e) {
      LOG.info("ZooKeeper server has no persistent watches; {} is proven unchanged with a zxid mark instead", root);
    }
    return w;
  }

  boolean active() {
    return active;
  }

  /** A description of the first change seen, or null. */
  String firstChange() {
    return active ? firstChange.get() : null;
  }

  @Override
  public void process(WatchedEvent event) {
    if (event.getType() == Event.EventType.None) {
      if (event.getState() != Event.KeeperState.SyncConnected) {
        // Events that happen while disconnected are never delivered.
        firstChange.compareAndSet(null, "connection " + event.getState() + ", changes may have been missed");
      }
      return;
    }
    firstChange.compareAndSet(null, event.getType() + " " + event.getPath());
  }

  void stop() {
    if (!active) {
      return;
    }
    try {
      zk.removeWatches(root, this, WatcherType.Any, true);
    } catch (Exception e) {
      LOG.debug("removing the change watch on {}: {}", root, e.toString());
    }
  }
}
