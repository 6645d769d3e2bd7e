package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * The one queue loop of this package's pipelined ZooKeeper calls: the tree walk ({@link TreeReader}), the restore's
 * batches and its listing of the tree it replaces ({@link StateRestorer}), and the read-back of a restored tree
 * ({@link RestoredTreeCheck}), and the pre-copy's re-reads of what changed ({@link PreCopy}).
 *
 * <p>Requests go out asynchronously, as many as the caller keeps in flight. Their callbacks, on ZooKeeper's event
 * thread, only enqueue a typed {@link Reply} together with the handler the request was sent with; the caller's thread
 * takes them off with {@link #awaitOne()} or {@link #awaitBurst()} and runs the handlers. So handlers need no
 * synchronisation, run in reply order, and may send more requests. A wait for a reply is bounded: when ZooKeeper
 * answers nothing for the stall timeout the wait fails with an {@link IOException} naming what was being done.
 *
 * <p>A request that failed with CONNECTIONLOSS is re-sent by its handler after {@link #retry}, which counts its
 * retries per connection and waits for the client to connect again (see {@link ConnectionEpochs}). Only op codes
 * every server generation knows go out here (getData, getChildren2, getACL, multi): what a server before 3.6 lacks —
 * read-only multi — is the caller's fallback, told by the reply's code.
 */
final class AsyncPipeline implements AutoCloseable {
  /** How long a wait for the next reply may take before ZooKeeper is declared stalled. */
  static final long STALL_TIMEOUT_SECONDS = 120;

  /** A ZooKeeper reply, as a callback hands it to the caller's thread. */
  sealed interface Reply permits Reply.Data, Reply.Children, Reply.Acl, Reply.Multi {
    int rc();

    default Code code() {
      return Code.get(rc());
    }

    record Data(int rc, byte[] data, Stat stat) implements Reply {}

    /** {@code stat} is null for a listing sent without one ({@link #listChildren}). */
    record Children(int rc, List<String> children, Stat stat) implements Reply {}

    record Acl(int rc, List<ACL> acl, Stat stat) implements Reply {}

    record Multi(int rc, List<OpResult> results) implements Reply {}
  }

  /** What to do with a reply, on the caller's thread. */
  @FunctionalInterface
  interface Handler<R extends Reply> {
    void handle(R reply) throws Exception;
  }

  private record Delivery<R extends Reply>(R reply, Handler<R> handler) {
    void deliver() throws Exception {
      handler.handle(reply);
    }
  }

  /** The ZooKeeper handle requests go out on. */
  @FunctionalInterface
  private interface Handle {
    ZooKeeper get() throws Exception;
  }

  private final Handle handle;
  private final ConnectionEpochs epochs;
  private final String activity;
  private final long stallTimeoutNanos;
  private final BlockingQueue<Delivery<?>> replies = new LinkedBlockingQueue<>();

  private AsyncPipeline(Handle handle, ConnectionEpochs epochs, String activity, long stallTimeoutNanos) {
    this.handle = handle;
    this.epochs = epochs;
    this.activity = activity;
    this.stallTimeoutNanos = stallTimeoutNanos;
  }

  /**
   * Requests on {@code client}'s current ZooKeeper handle, with its connections numbered for {@link #retry}.
   *
   * @param activity completes "ZooKeeper did not answer within 120 s while …", e.g. "reading /marathon/state"
   */
  static AsyncPipeline retrying(CuratorFramework client, String activity) {
    return retrying(client, activity, TimeUnit.SECONDS.toNanos(STALL_TIMEOUT_SECONDS));
  }

  static AsyncPipeline retrying(CuratorFramework client, String activity, long stallTimeoutNanos) {
    return new AsyncPipeline(() -> client.getZookeeperClient().getZooKeeper(), ConnectionEpochs.watch(client),
        activity, stallTimeoutNanos);
  }

  /** Requests on one fixed handle, never re-sent ({@link #retry} is refused): a restore's writes and its listing. */
  static AsyncPipeline on(ZooKeeper zk, String activity) {
    return on(zk, activity, TimeUnit.SECONDS.toNanos(STALL_TIMEOUT_SECONDS));
  }

  static AsyncPipeline on(ZooKeeper zk, String activity, long stallTimeoutNanos) {
    return new AsyncPipeline(() -> zk, null, activity, stallTimeoutNanos);
  }

  ZooKeeper zk() throws Exception {
    return handle.get();
  }

  /** Call as {@code request} (or the first of its calls) is sent: the connection it goes out on. */
  void sent(ConnectionEpochs.Request request) {
    epochs().sent(request);
  }

  /**
   * After {@code request} failed with CONNECTIONLOSS: false when it was lost on {@value ConnectionEpochs#MAX_RETRIES}
   * connections already; otherwise true once the client has connected again, and the handler sends it again.
   *
   * @throws KeeperException.ConnectionLossException when no new connection came within the connection timeout
   */
  boolean retry(ConnectionEpochs.Request request, String path) throws InterruptedException, KeeperException {
    return epochs().retry(request, path);
  }

  private ConnectionEpochs epochs() {
    if (epochs == null) {
      throw new IllegalStateException("this pipeline does not re-send requests");
    }
    return epochs;
  }

  void getData(String path, Watcher watcher, Handler<Reply.Data> handler) throws Exception {
    zk().getData(path, watcher, (rc, p, ctx, data, stat) -> enqueue(new Reply.Data(rc, data, stat), handler), null);
  }

  /** getChildren2 (with the Stat; every server generation knows it): the Stat proves what the list is as of when. */
  void getChildren(String path, Watcher watcher, Handler<Reply.Children> handler) throws Exception {
    zk().getChildren(path, watcher,
        (rc, p, ctx, children, stat) -> enqueue(new Reply.Children(rc, children, stat), handler), null);
  }

  /** A plain listing, unwatched and without a Stat. */
  void listChildren(String path, Handler<Reply.Children> handler) throws Exception {
    zk().getChildren(path, false,
        (rc, p, ctx, children) -> enqueue(new Reply.Children(rc, children, null), handler), null);
  }

  void getAcl(String path, Handler<Reply.Acl> handler) throws Exception {
    zk().getACL(path, new Stat(), (rc, p, ctx, acl, stat) -> enqueue(new Reply.Acl(rc, acl, stat), handler), null);
  }

  void multi(List<Op> ops, Handler<Reply.Multi> handler) throws Exception {
    zk().multi(ops, (rc, p, ctx, results) -> enqueue(new Reply.Multi(rc, results), handler), null);
  }

  private <R extends Reply> void enqueue(R reply, Handler<R> handler) {
    replies.add(new Delivery<>(reply, handler));
  }

  /** Waits for the next reply and handles it. */
  void awaitOne() throws Exception {
    next().deliver();
  }

  /**
   * Waits for the next reply, then handles it and every reply that has arrived meanwhile: one wake-up of the caller's
   * thread per burst of replies, not per reply (node by node, a wake-up per reply costs more CPU than the reply).
   */
  void awaitBurst() throws Exception {
    Delivery<?> d = next();
    do {
      d.deliver();
      d = replies.poll();
    } while (d != null);
  }

  private Delivery<?> next() throws Exception {
    Delivery<?> d = replies.poll(stallTimeoutNanos, TimeUnit.NANOSECONDS);
    if (d == null) {
      throw new IOException("ZooKeeper did not answer within " + TimeUnit.NANOSECONDS.toSeconds(stallTimeoutNanos)
          + " s while " + activity);
    }
    return d;
  }

  /** Stops numbering connections; replies still on their way are dropped with the queue. */
  @Override
  public void close() {
    if (epochs != null) {
      epochs.close();
    }
  }
}
