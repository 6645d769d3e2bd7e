package io.dcos.backup.simulator;

import io.dcos.backup.release.ElectionPeer;
import io.dcos.backup.release.ElectionPeerStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.curator.framework.CuratorFramework;

/**
 * Marathon's own election code in a child JVM ({@link ElectionPeer}: Curator 4.0.1, ZooKeeper 3.4 client), one per
 * lifetime: a restart is a new JVM with a new, higher latch node, as a restarted Marathon has.
 */
final class PeerLatch implements LatchParticipant {
  /** Marathon's default {@code --zk_session_timeout}. */
  private static final Duration MARATHON_SESSION_TIMEOUT = Duration.ofSeconds(10);
  private static final String LOCK_NAME = "latch-";

  private final ElectionPeerStack stack;
  private final CuratorFramework zk;
  private final String connectString;
  private final String latchPath;
  private final String hostPort;
  private final Optional<String> digest;
  private final Executor executor;
  private volatile ElectionPeer peer;
  private volatile boolean closing;

  PeerLatch(ElectionPeerStack stack, CuratorFramework zk, String connectString, String latchPath, String hostPort,
            Optional<String> digest, Executor executor) {
    this.stack = stack;
    this.zk = zk;
    this.connectString = connectString;
    this.latchPath = latchPath;
    this.hostPort = hostPort;
    this.digest = digest;
    this.executor = executor;
  }

  @Override
  public void start(Events events) throws Exception {
    peer = ElectionPeer.start(stack, connectString, latchPath, hostPort, digest, MARATHON_SESSION_TIMEOUT,
        new ElectionPeer.Listener() {
          @Override
          public void leader() {
            deliver(events::isLeader);
          }

          @Override
          public void notLeader() {
            deliver(events::notLeader);
          }

          @Override
          public void exited(int code, String reason) {
            if (!closing) {
              deliver(() -> events.gone("its election (Curator 4.0.1 peer) exited with " + code + ": " + reason));
            }
          }
        });
  }

  /** Off the peer's reader thread, as Curator calls its listeners on an executor. */
  private void deliver(Runnable event) {
    try {
      executor.execute(event);
    } catch (RejectedExecutionException simulatorClosed) {
      // the simulator is shutting down: every lifetime exits anyway
    }
  }

  @Override
  public boolean hasLeadership() {
    ElectionPeer p = peer;
    return p != null && p.isLeader();
  }

  /** The first participant by sequence number, read with the lifetime's own session (what Curator's getLeader does). */
  @Override
  public Optional<String> leaderHostPort() {
    if (!zk.getZookeeperClient().isConnected()) {
      return Optional.empty();
    }
    try {
      List<String> children = zk.getChildren().forPath(latchPath);
      Optional<String> first = children.stream().filter(c -> sequence(c) >= 0)
          .min((a, b) -> Long.compare(sequence(a), sequence(b)));
      if (first.isEmpty()) {
        return Optional.empty();
      }
      byte[] data = zk.getData().forPath(latchPath + "/" + first.get());
      String id = data == null ? "" : new String(data, StandardCharsets.UTF_8);
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (Exception e) {
      return Optional.empty(); // no election yet, or the leader just left: Marathon then knows no leader either
    }
  }

  private static long sequence(String child) {
    int i = child.lastIndexOf(LOCK_NAME);
    if (i < 0) {
      return -1;
    }
    try {
      return Long.parseLong(child.substring(i + LOCK_NAME.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    closing = true;
    ElectionPeer p = peer;
    if (p != null) {
      p.close();
    }
  }
}
