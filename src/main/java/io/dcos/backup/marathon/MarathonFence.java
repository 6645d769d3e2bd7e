package io.dcos.backup.marathon;

import static io.dcos.backup.marathon.MarathonClient.human;

import io.dcos.backup.marathon.LatchParticipants.Participant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Marathon restart that provably stops every Marathon from writing to ZooKeeper.
 *
 * <p>The operator joins Marathon's own leader election (a Curator {@code LeaderLatch} on
 * {@code <zk>/leader-curator}) with a node of the latch's own shape ({@link ElectionParticipant}) and asks each
 * Marathon that is ahead of it to abdicate. A Marathon that abdicates exits, and when it restarts it queues behind the
 * operator. Only participants that joined before the operator can ever be ahead of it (sequence numbers only grow),
 * so at most that many abdications are needed, and once the operator leads the latch no Marathon is leader: none
 * writes to {@code <zk>/state}. The operator's latch node is ephemeral: if the operator dies the fence goes with its
 * ZooKeeper session and Marathon elects a leader again.
 *
 * <p>While held, {@link #latchNodePath()} with {@link #latchNodeVersion()} is a fencing token: put an
 * {@code Op.check(path, version)} into every {@code multi()} so writes fail once the fence is lost.
 *
 * <p>The fence lives as long as the operator's ZooKeeper session, not its connection: a dropped connection
 * (SUSPENDED, e.g. the server it talked to died) leaves the ephemeral latch node in place, so no Marathon can lead
 * while the client reconnects to another server. Only a LOST session (or the latch node gone) loses the fence. Build
 * the client with {@code SessionConnectionStateErrorPolicy} (see {@code ZkConnector}).
 *
 * <p>This class takes, holds and gives up the fence; its steps are {@link StandbyRequeue} (standbys moved behind the
 * operator), {@link LeaderAbdication} (one leader asked to leave) and {@link LeaderRecovery} (the wait for a new
 * leader after the release), all looking at the election through one {@link LatchWatch}.
 */
public final class MarathonFence implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MarathonFence.class);
  /** Prefix of the latch ids of this operator: never a Marathon's {@code host:port}. */
  public static final String ID_PREFIX = "marathon-backup-operator:";

  private final CuratorFramework zk;
  private final String latchPath;
  private final MarathonClient marathon;
  private final FenceOptions options;
  private final Consumer<String> progress;
  private final ElectionParticipant participant;
  private final LatchWatch latch;
  private final StandbyRequeue standbys;
  private final Instant started = Instant.now();

  private volatile String ourPath;
  private volatile int ourVersion;
  /** The session that owns our latch node: while that node exists, that session is alive and the fence held. */
  private volatile long ourSession;
  private volatile int abdications;
  private volatile Instant leaderlessSince;
  private volatile boolean closed;
  /** Gives the fence up when the session is LOST: a latch that re-joins in a new session is no fence. */
  private final ConnectionStateListener connectionListener = (client, state) -> onConnectionState(state);

  private MarathonFence(CuratorFramework zk, String latchPath, MarathonClient marathon, FenceOptions options,
                        Consumer<String> progress) {
    this.zk = zk;
    this.latchPath = latchPath;
    this.marathon = marathon;
    this.options = options;
    this.progress = progress;
    this.participant = new ElectionParticipant(zk, latchPath, ID_PREFIX + UUID.randomUUID());
    this.latch = new LatchWatch(zk, latchPath, options);
    this.standbys = new StandbyRequeue(zk, progress);
  }

  /**
   * Takes the fence: joins Marathon's election and makes every Marathon ahead of the operator abdicate.
   *
   * @param latchPath Marathon's election path, {@code <zk path>/leader-curator}
   * @param marathon  client of the configured Marathon URL; the leader is addressed directly by the
   *                  {@code host:port} of its latch node via {@link MarathonClient#forLeader}, falling back to it
   * @param progress  receives one user-facing line per step
   * @throws MarathonException Marathon refused (401/403) or could not be reached
   * @throws FenceException    a bounded wait ran out; the message says which
   */
  public static MarathonFence acquire(CuratorFramework zk, String latchPath, MarathonClient marathon,
                                      FenceOptions options, Consumer<String> progress)
      throws MarathonException, FenceException, InterruptedException {
    Objects.requireNonNull(zk, "zk");
    Objects.requireNonNull(latchPath, "latchPath");
    Objects.requireNonNull(marathon, "marathon");
    Objects.requireNonNull(options, "options");
    Consumer<String> p = progress == null ? s -> { } : progress;
    MarathonFence fence = new MarathonFence(zk, latchPath, marathon, options, p);
    boolean ok = false;
    try {
      fence.take();
      ok = true;
      return fence;
    } finally {
      if (!ok) {
        // Leave the election so Marathon recovers by itself.
        fence.close();
      }
    }
  }

  private void take() throws MarathonException, FenceException, InterruptedException {
    long deadline = System.nanoTime() + options.acquireTimeout().toNanos();
    join();
    String path = participant.ourPath();
    long ourSeq = LatchParticipants.sequenceOf(path.substring(path.lastIndexOf('/') + 1));
    List<Participant> initial = latch.participants();
    // Nobody can join ahead of us later, so this many abdications is all it can take.
    int maxAbdications = (int) initial.stream()
        .filter(x -> x.sequence() < ourSeq && !x.data().startsWith(ID_PREFIX)).count();
    progress.accept("Joined Marathon's leader election at " + latchPath + " (" + maxAbdications
        + " Marathon participant(s) ahead)");

    while (true) {
      checkDeadline(deadline, "taking over Marathon's leader election");
      if (participant.state() != ElectionParticipant.State.STARTED || !latch.exists(path)) {
        throw new FenceException("lost the ZooKeeper session or latch node " + path
            + " while taking over Marathon's leader election");
      }
      List<Participant> ps = latch.participants();
      if (!ps.isEmpty() && ps.get(0).path().equals(path)) {
        break; // first in the election: no Marathon can be leader
      }
      if (ps.isEmpty()) {
        latch.pause(); // our node is there (checked above): a listing that raced with it
        continue;
      }
      Participant leader = ps.get(0);
      if (leader.data().startsWith(ID_PREFIX)) {
        if (System.nanoTime() + options.pollInterval().toNanos() - deadline >= 0) {
          throw new FenceException("another marathon-backup-operator (" + leader.data() + ") holds Marathon's "
              + "leader election and did not let go within " + human(options.acquireTimeout()));
        }
        latch.pause();
        continue;
      }
      if (abdications >= maxAbdications) {
        throw new FenceException("Marathon leader " + leader.data() + " leads again after " + abdications
            + " abdication(s); expected at most " + maxAbdications);
      }
      standbys.moveBehindOperator(ps, leader, ourSeq);
      abdicate(leader, deadline);
    }
    Stat stat;
    try {
      stat = zk.checkExists().forPath(path);
    } catch (Exception e) {
      throw new FenceException("could not read the fence's latch node " + path + ": " + e, e);
    }
    if (stat == null || !latch.leads(participant)) {
      throw new FenceException("lost the fence's latch node " + path + " right after taking it");
    }
    ourPath = path;
    ourVersion = stat.getVersion();
    ourSession = stat.getEphemeralOwner();
    zk.getConnectionStateListenable().addListener(connectionListener);
    if (leaderlessSince == null) {
      leaderlessSince = Instant.now();
    }
    progress.accept("Fence held: no Marathon is leader (" + abdications + " abdication(s), " + standbys.requeued()
        + " standby(s) moved behind the operator)");
  }

  private void join() throws FenceException, InterruptedException {
    try {
      participant.start();
    } catch (KeeperException.NoAuthException e) {
      throw new FenceException("could not join Marathon's leader election at " + latchPath + ": the operator's "
          + "ZooKeeper identity may not create nodes there (with Marathon's digest ACLs it must authenticate as "
          + "Marathon's user or super)", e);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new FenceException("could not join Marathon's leader election at " + latchPath + ": " + e
          + " (is ZooKeeper reachable?)", e);
    }
  }

  /** An accepted abdication counts at once: from then on Marathon has no leader, though the old one is leaving. */
  private void abdicate(Participant leader, long acquireDeadline)
      throws MarathonException, FenceException, InterruptedException {
    LeaderAbdication abdication = new LeaderAbdication(leader, acquireDeadline, options, marathon, latch, progress);
    if (abdication.ask()) {
      abdications++;
      if (leaderlessSince == null) {
        leaderlessSince = Instant.now();
      }
    }
    abdication.awaitLeft();
  }

  /** The operator's own latch participant node (fencing token: {@code Op.check} on it). */
  public String latchNodePath() {
    if (ourPath == null) {
      throw new IllegalStateException("fence not held");
    }
    return ourPath;
  }

  public int latchNodeVersion() {
    return ourVersion;
  }

  /**
   * Whether the fence is still ours, checked on the server: our latch node exists, at the version of the token, owned
   * by the session this client uses now. While the connection is down (SUSPENDED) this waits for the client to
   * reconnect within the session, or for Curator to declare the session LOST (at the latest one session timeout
   * after the connection dropped), so a failover to another server answers true and a lost quorum false.
   */
  public boolean isHeld() {
    if (closed || ourPath == null) {
      return false;
    }
    try {
      long waitNanos = 2L * Math.max(1, zk.getZookeeperClient().getLastNegotiatedSessionTimeoutMs()) * 1_000_000L;
      long deadline = System.nanoTime() + waitNanos;
      while (!zk.getZookeeperClient().isConnected()) {
        if (closed || System.nanoTime() - deadline >= 0) {
          return false;
        }
        latch.pause();
      }
      Stat stat = zk.checkExists().forPath(ourPath);
      return !closed && stat != null && stat.getVersion() == ourVersion && stat.getEphemeralOwner() == ourSession
          && zk.getZookeeperClient().getZooKeeper().getSessionId() == ourSession;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  public int abdications() {
    return abdications;
  }

  /** How many Marathon standbys were moved behind the operator in the election rather than abdicated. */
  public int standbysRequeued() {
    return standbys.requeued();
  }

  /**
   * Leaves the latch and waits (bounded by {@code recoveryTimeout}) until Marathon has an elected leader again.
   *
   * @return how long Marathon had no leader: from the first accepted abdication until {@code elected: true}
   */
  public Duration release() throws FenceException, InterruptedException {
    Instant since = leaderlessSince != null ? leaderlessSince : started;
    close();
    progress.accept("Fence released; waiting for Marathon to elect a leader");
    return new LeaderRecovery(marathon, options, latch, progress).await(since);
  }

  /** Leaves the latch without waiting for Marathon. Idempotent, never throws. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    zk.getConnectionStateListenable().removeListener(connectionListener);
    participant.close();
  }

  private void onConnectionState(ConnectionState state) {
    if (ourPath == null || closed) {
      return;
    }
    switch (state) {
      case LOST -> {
        LOG.warn("ZooKeeper session LOST while holding the Marathon fence: giving it up");
        progress.accept("ZooKeeper session LOST: the fence is lost and released");
        close();
      }
      case SUSPENDED -> {
        // The latch node is ephemeral: it stays, and keeps every Marathon out, as long as the session does.
        LOG.warn("ZooKeeper connection SUSPENDED while holding the Marathon fence: keeping it while reconnecting");
        progress.accept("ZooKeeper connection SUSPENDED: keeping the fence while the client reconnects within its "
            + "session");
      }
      case RECONNECTED -> LOG.info("ZooKeeper connection RECONNECTED while holding the Marathon fence");
      default -> { }
    }
  }

  private void checkDeadline(long deadline, String what) throws FenceException {
    if (System.nanoTime() - deadline >= 0) {
      throw new FenceException("timed out after " + human(options.acquireTimeout()) + " " + what
          + " (" + abdications + " abdication(s) so far)");
    }
  }
}
