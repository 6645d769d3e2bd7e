package io.dcos.backup.marathon;

import static io.dcos.backup.marathon.MarathonFence.ID_PREFIX;

import io.dcos.backup.marathon.LatchParticipants.Participant;
import java.util.List;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the Marathon standbys that are queued ahead of the operator to the back of the election, so that only the
 * current leader has to abdicate: otherwise each standby in turn is elected, loads the whole state and must be
 * asked to abdicate too (one leaderless window and one state load per Marathon instance).
 *
 * <p>A standby's latch node is deleted in a {@code multi()} with a check that the leader's node still exists. The
 * leader's sequence number is lower than the standby's and sequence numbers only grow, so while the leader's node
 * exists the standby has never been first in the election: it cannot have been elected, and it is not writing. A
 * Curator {@code LeaderLatch} whose node is gone notices when its predecessor goes and joins again, behind the
 * operator. Another operator's node is never touched. If the deletion is refused (ACLs) or fails, the standby
 * stays where it is and is abdicated in its turn, as before.
 */
final class StandbyRequeue {
  private static final Logger LOG = LoggerFactory.getLogger(StandbyRequeue.class);

  private final CuratorFramework zk;
  private final Consumer<String> progress;
  private volatile int requeued;
  private boolean allowed = true;

  StandbyRequeue(CuratorFramework zk, Consumer<String> progress) {
    this.zk = zk;
    this.progress = progress;
  }

  /** Standbys moved behind the operator instead of being elected and abdicated one by one. */
  int requeued() {
    return requeued;
  }

  /**
   * Moves every Marathon standby of {@code ps} that is ahead of the operator ({@code ourSeq}) but behind
   * {@code leader}; stops at the first one that cannot be moved.
   */
  void moveBehindOperator(List<Participant> ps, Participant leader, long ourSeq) {
    if (!allowed) {
      return;
    }
    for (Participant standby : ps) {
      if (standby == leader || standby.sequence() >= ourSeq || standby.data().startsWith(ID_PREFIX)) {
        continue;
      }
      try {
        zk.transaction().forOperations(
            zk.transactionOp().check().forPath(leader.path()),
            zk.transactionOp().delete().forPath(standby.path()));
        requeued++;
        progress.accept("Moved Marathon standby " + standby.data() + " behind the operator in the election");
      } catch (KeeperException.NoAuthException e) {
        LOG.info("may not delete Marathon standby latch node {} ({}); it will be abdicated in its turn",
            standby.path(), e.code());
        allowed = false;
        return;
      } catch (Exception e) {
        // The leader left, or the standby did: the next pass of the loop sees the new election order.
        LOG.debug("standby {} not moved: {}", standby.path(), e.toString());
        return;
      }
    }
  }
}
