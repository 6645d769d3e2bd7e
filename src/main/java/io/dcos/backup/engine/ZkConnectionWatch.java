package io.dcos.backup.engine;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;

/**
 * Watches the operator's ZooKeeper connection for one attempt of a snapshot or of a restore's write-and-verify, on
 * the thread that runs it. Remembers whether the connection dropped (so a failure of the attempt is blamed on that,
 * whatever error the reader made of it), and when Curator declares the session LOST it interrupts that thread: the
 * reader's per-request retries would otherwise wait out a connection timeout per request, for minutes.
 */
final class ZkConnectionWatch implements ConnectionStateListener, AutoCloseable {
  private final CuratorFramework zk;
  private final Thread attempt = Thread.currentThread();
  private volatile boolean dropped;
  private volatile boolean lost;
  /** Guarded by this: the thread is interrupted only while the attempt runs, and the flag cleared after it. */
  private boolean armed = true;
  private boolean interrupted;

  private ZkConnectionWatch(CuratorFramework zk) {
    this.zk = zk;
  }

  static ZkConnectionWatch start(CuratorFramework zk) {
    ZkConnectionWatch watch = new ZkConnectionWatch(zk);
    zk.getConnectionStateListenable().addListener(watch);
    return watch;
  }

  @Override
  public void stateChanged(CuratorFramework client, ConnectionState state) {
    if (state == ConnectionState.SUSPENDED) {
      dropped = true;
    } else if (state == ConnectionState.LOST) {
      dropped = true;
      lost = true;
      synchronized (this) {
        if (armed) {
          interrupted = true;
          attempt.interrupt();
        }
      }
    }
  }

  /** The session was lost during the attempt: the fence went with it. */
  boolean sessionLost() {
    return lost;
  }

  /**
   * Whether {@code failure} of the attempt is down to the connection: it dropped during the attempt, is down now
   * (Curator may not have told us yet), or the failure says so itself.
   */
  boolean explains(Throwable failure) {
    return dropped || lost || !zk.getZookeeperClient().isConnected() || isConnectionLoss(failure);
  }

  static boolean isConnectionLoss(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KeeperException k && switch (k.code()) {
        case CONNECTIONLOSS, SESSIONEXPIRED, SESSIONMOVED, OPERATIONTIMEOUT -> true;
        default -> false;
      }) {
        return true;
      }
    }
    return false;
  }

  /** Stops watching and clears the interrupt this watch caused (one from elsewhere in that same instant goes too). */
  @Override
  public void close() {
    zk.getConnectionStateListenable().removeListener(this);
    synchronized (this) {
      armed = false;
      if (interrupted) {
        Thread.interrupted();
      }
    }
  }
}
