package io.dcos.backup.simulator;

import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;

/** Curator 5.9's LeaderLatch on the lifetime's own ZooKeeper session. */
final class InProcessLatch implements LatchParticipant {
  private final LeaderLatch latch;
  private final CuratorFramework zk;
  private final Executor executor;

  InProcessLatch(CuratorFramework zk, String latchPath, String hostPort, Executor executor) {
    this.zk = zk;
    this.executor = executor;
    this.latch = new LeaderLatch(zk, latchPath, hostPort, LeaderLatch.CloseMode.SILENT);
  }

  @Override
  public void start(Events events) throws Exception {
    latch.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        events.isLeader();
      }

      @Override
      public void notLeader() {
        events.notLeader();
      }
    }, executor);
    latch.start();
  }

  @Override
  public boolean hasLeadership() {
    return latch.hasLeadership();
  }

  @Override
  public Optional<String> leaderHostPort() {
    if (!zk.getZookeeperClient().isConnected()) {
      return Optional.empty(); // Marathon does not know a leader without ZooKeeper; never block a request on it
    }
    try {
      Participant p = latch.getLeader();
      return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    try {
      latch.close();
    } catch (Exception ignored) {
      // the session close that follows removes the node anyway
    }
  }
}
