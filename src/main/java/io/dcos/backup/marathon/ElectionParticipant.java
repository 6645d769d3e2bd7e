package io.dcos.backup.marathon;

import io.dcos.backup.zookeeper.ProtectedEphemeralNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's place in Marathon's leader election: one node exactly as a Curator {@code LeaderLatch} participant
 * makes it ({@code <latchPath>/_c_<uuid>-latch-<sequence>}, EPHEMERAL_SEQUENTIAL, data = the id), so that Marathon's
 * own Curator 4.0.1 latch orders it among its instances. It is written with the plain {@code create} op code, which
 * ZooKeeper 3.4 servers know; Curator 5's {@code LeaderLatch} would send {@code create2}, and its close sends
 * {@code removeWatches}, neither of which a 3.4 server knows.
 *
 * <p>Unlike a {@code LeaderLatch}, it sets no watches and never re-joins: the fence polls {@link #leads()}, and a
 * node that is gone (a lost session) means the fence is lost, not something to repair.
 */
final class ElectionParticipant implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ElectionParticipant.class);

  enum State { LATENT, STARTED, CLOSED }

  private final CuratorFramework client;
  private final String latchPath;
  private final String id;
  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private volatile String ourPath;

  ElectionParticipant(CuratorFramework client, String latchPath, String id) {
    this.client = client;
    this.latchPath = latchPath;
    this.id = id;
  }

  /** Joins the election: creates the participant node (retried while the connection is lost). */
  void start() throws Exception {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("already " + state.get());
    }
    // Open, as Curator's default ACL provider made it: Marathon never touches another participant's node.
    ourPath = ProtectedEphemeralNode.create(client, latchPath, LatchParticipants.NODE_NAME,
        id.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE);
  }

  State state() {
    return state.get();
  }

  /** The participant node, or null before {@link #start()} returned. */
  String ourPath() {
    return ourPath;
  }

  /** Whether our node is first in the election, as Curator's latch decides it: the lowest sequence number. */
  boolean leads() throws Exception {
    if (state.get() != State.STARTED || ourPath == null) {
      return false;
    }
    List<LatchParticipants.Participant> participants = LatchParticipants.list(client, latchPath);
    return !participants.isEmpty() && participants.get(0).path().equals(ourPath);
  }

  /**
   * Leaves the election. The delete is Curator's guaranteed one: if the connection is down it keeps trying in the
   * background, because a node left behind in a live session would keep Marathon leaderless for that session's life.
   */
  @Override
  public void close() {
    if (!state.compareAndSet(State.STARTED, State.CLOSED) || ourPath == null) {
      state.set(State.CLOSED);
      return;
    }
    try {
      client.delete().guaranteed().forPath(ourPath);
    } catch (KeeperException.NoNodeException gone) {
      // the session that owned it ended: nothing to leave
    } catch (Exception e) {
      LOG.warn("leaving Marathon's leader election at {} failed for now ({}); Curator keeps retrying the delete",
          latchPath, e.toString());
    }
  }
}
