package io.dcos.backup.electionpeer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * One Marathon election participant on Marathon's own stack: Curator 4.0.1's LeaderLatch on a ZooKeeper 3.4 client,
 * built as Marathon 1.6-1.11 builds it (its RichCuratorFramework and CuratorElectionStream): digest credentials,
 * CREATOR_ALL (with credentials) or OPEN ACLs plus world-read on the latch parent, BoundedExponentialBackoffRetry(10 ms,
 * zk_timeout, 5), {@code new LeaderLatch(client, "<zk>/leader-curator", "host:port")}. Like Marathon it exits when it
 * loses leadership (103), when the ZooKeeper connection is suspended or lost (101), and after abdicating (105).
 *
 * <p>Line protocol. Parent to peer on stdin: {@code LEADER?}, {@code ABDICATE}, {@code EXIT} (end of input = EXIT).
 * Peer to parent on stdout: {@code JOINED <node path>} (again after the latch re-created its node), {@code LEADER},
 * {@code NOT_LEADER}, {@code LEADER_ID <id>} ({@code -}: none) answering {@code LEADER?}, {@code LEFT} once its node is
 * gone and its session closed, {@code EXITING <code> <reason>}. Logs go to stderr.
 *
 * <p>Arguments: connect string, latch path, id ({@code host:port}), session timeout ms, connection timeout ms.
 * Environment {@code ELECTION_PEER_ZK_DIGEST}: {@code user:password}, if Marathon authenticates.
 */
public final class MarathonElectionPeer {
  private static final Object OUT = new Object();

  private final String latchPath;
  private final String id;
  private final CuratorFramework client;
  private final LeaderLatch latch;
  private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "election-peer-events");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean elected;
  private volatile boolean leaving;
  private volatile String announcedPath;

  private MarathonElectionPeer(String connect, String latchPath, String id, int sessionMs, int connectionMs,
                               String digest) {
    this.latchPath = latchPath;
    this.id = id;
    final List<ACL> defaultAcl = digest == null ? ZooDefs.Ids.OPEN_ACL_UNSAFE : ZooDefs.Ids.CREATOR_ALL_ACL;
    final List<ACL> latchParentAcl = new ArrayList<ACL>(defaultAcl);
    // Marathon lets the world read its election: some setups find the leader there.
    latchParentAcl.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs(sessionMs)
        .connectionTimeoutMs(connectionMs)
        .aclProvider(new ACLProvider() {
          @Override
          public List<ACL> getDefaultAcl() {
            return defaultAcl;
          }

          @Override
          public List<ACL> getAclForPath(String path) {
            return path.equals(MarathonElectionPeer.this.latchPath) ? latchParentAcl : defaultAcl;
          }
        })
        .retryPolicy(new BoundedExponentialBackoffRetry(10, 10_000, 5));
    if (digest != null) {
      builder.authorization(Collections.singletonList(
          new AuthInfo("digest", digest.getBytes(StandardCharsets.UTF_8))));
    }
    this.client = builder.build();
    this.latch = new LeaderLatch(client, latchPath, id);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: MarathonElectionPeer <connect> <latch path> <id> <session ms> <connection ms>");
      System.exit(2);
    }
    String digest = System.getenv("ELECTION_PEER_ZK_DIGEST");
    MarathonElectionPeer peer = new MarathonElectionPeer(args[0], args[1], args[2], Integer.parseInt(args[3]),
        Integer.parseInt(args[4]), digest == null || digest.isEmpty() ? null : digest);
    peer.run(Integer.parseInt(args[4]));
  }

  private void run(int connectionMs) throws Exception {
    client.getConnectionStateListenable().addListener((c, state) -> {
      // Marathon's ConnectionLostListener: without a connection it cannot know whether it leads.
      if (!state.isConnected() && !leaving) {
        crash(101, "ZooKeeper connection " + state);
      }
    });
    client.start();
    if (!client.blockUntilConnected(connectionMs, TimeUnit.MILLISECONDS)) {
      crash(100, "ZooKeeper not reachable within " + connectionMs + " ms");
    }
    latch.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        elected = true;
        say("LEADER");
      }

      @Override
      public void notLeader() {
        if (leaving) {
          return;
        }
        say("NOT_LEADER");
        if (elected) {
          crash(103, "lost leadership");
        }
      }
    }, events);
    latch.start();
    events.execute(this::announceOurNode);

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "LEADER?":
          say("LEADER_ID " + leaderId());
          break;
        case "ABDICATE":
          leave();
          exit(105, "abdicated");
          break;
        case "EXIT":
          leave();
          exit(0, "asked to exit");
          break;
        default:
          System.err.println("election peer: unknown command " + line);
      }
    }
    leave();
    exit(0, "parent closed stdin");
  }

  /** Finds our latch node (ours: owned by our session) and says so whenever it is a new one; re-arms on changes. */
  private void announceOurNode() {
    if (leaving) {
      return;
    }
    try {
      long session = client.getZookeeperClient().getZooKeeper().getSessionId();
      List<String> children = client.getChildren().usingWatcher(new Watcher() {
        @Override
        public void process(WatchedEvent event) {
          if (event.getType() != Event.EventType.None) {
            events.execute(MarathonElectionPeer.this::announceOurNode);
          }
        }
      }).forPath(latchPath);
      for (String child : children) {
        Stat stat = client.checkExists().forPath(latchPath + "/" + child);
        if (stat != null && stat.getEphemeralOwner() == session) {
          String path = latchPath + "/" + child;
          if (!path.equals(announcedPath)) {
            announcedPath = path;
            say("JOINED " + path);
          }
        }
      }
    } catch (KeeperException.NoNodeException notYet) {
      // the latch creates its parent in the background: look again shortly
      retryAnnounceLater();
    } catch (Exception e) {
      System.err.println("election peer: reading " + latchPath + " failed: " + e);
      retryAnnounceLater();
    }
  }

  private void retryAnnounceLater() {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(50);
      } catch (InterruptedException ignored) {
        return;
      }
      events.execute(this::announceOurNode);
    }, "election-peer-retry");
    t.setDaemon(true);
    t.start();
  }

  private String leaderId() {
    try {
      Participant leader = latch.getLeader();
      return leader.isLeader() && !leader.getId().isEmpty() ? leader.getId() : "-";
    } catch (Exception e) {
      return "-";
    }
  }

  /** As Marathon leaves: the latch first (its node goes at once), then the session. */
  private synchronized void leave() {
    if (leaving) {
      return;
    }
    leaving = true;
    try {
      if (latch.getState() == LeaderLatch.State.STARTED) {
        latch.close();
      }
    } catch (Exception e) {
      System.err.println("election peer: closing the latch failed: " + e);
    }
    client.close();
    say("LEFT");
  }

  private void crash(int code, String reason) {
    leave();
    exit(code, reason);
  }

  private static void exit(int code, String reason) {
    say("EXITING " + code + " " + reason);
    System.exit(code);
  }

  private static void say(String line) {
    synchronized (OUT) {
      System.out.println(line);
      System.out.flush();
    }
  }
}
