package io.dcos.backup.zookeeper;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;

/**
 * Numbers a client's connections, so that a pipeline re-sends a request that failed with CONNECTIONLOSS only on a
 * connection made after the one it was sent on, and counts its retries per connection rather than per failure.
 *
 * <p>Why: when a server of the ensemble dies, every request in flight fails, and so, again, does every request queued
 * while the client tries servers, the dead one included, before it reaches a live one. Curator still calls the
 * client connected for a moment after the drop, so waiting for "connected" returns at once and a retry budget counted
 * per failure is spent within one drop. Counted per connection, one drop costs each request one retry however often
 * it failed during it, while a reply that breaks the connection every time it is read (one above the client's
 * jute.maxbuffer) still exhausts the budget, on successive connections.
 */
final class ConnectionEpochs implements ConnectionStateListener, AutoCloseable {
  static final int MAX_RETRIES = 3;

  /** One request's standing: the connection it went out on, and the connections it was lost on. */
  static final class Request {
    private int sentOn;
    private int lastLostOn = -1;
    private int retries;
  }

  private final CuratorFramework client;
  private final boolean connectedAtStart;
  private int epoch;

  private ConnectionEpochs(CuratorFramework client, boolean connectedAtStart) {
    this.client = client;
    this.connectedAtStart = connectedAtStart;
  }

  static ConnectionEpochs watch(CuratorFramework client) {
    ConnectionEpochs epochs = new ConnectionEpochs(client, client.getZookeeperClient().isConnected());
    client.getConnectionStateListenable().addListener(epochs);
    return epochs;
  }

  @Override
  public synchronized void stateChanged(CuratorFramework c, ConnectionState state) {
    // Curator sends CONNECTED once, for a client's first connection, and hands it to listeners on its own thread: one
    // added just after that connection may still get it. That connection is epoch 0, not a new one; counting it
    // would let a request lost on the next drop be re-sent before the client has connected again.
    if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED && !connectedAtStart) {
      epoch++;
      notifyAll();
    }
  }

  /** Call as {@code request} is sent. */
  synchronized void sent(Request request) {
    request.sentOn = epoch;
  }

  /**
   * After {@code request} failed with CONNECTIONLOSS: false when it was lost on {@value #MAX_RETRIES} connections
   * already; otherwise waits until the client has connected again after the connection it was sent on.
   *
   * @throws KeeperException.ConnectionLossException when no new connection came within the client's connection
   *     timeout
   */
  boolean retry(Request request, String path) throws InterruptedException, KeeperException {
    long deadline = System.nanoTime()
        + TimeUnit.MILLISECONDS.toNanos(Math.max(1, client.getZookeeperClient().getConnectionTimeoutMs()));
    synchronized (this) {
      if (request.lastLostOn != request.sentOn) {
        request.lastLostOn = request.sentOn;
        if (++request.retries > MAX_RETRIES) {
          return false;
        }
      }
      while (epoch <= request.sentOn) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw (KeeperException) KeeperException.create(KeeperException.Code.CONNECTIONLOSS, path);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }

  @Override
  public void close() {
    client.getConnectionStateListenable().removeListener(this);
  }
}
