package io.dcos.backup.release;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Marathon election participant running Marathon's own election code (Curator 4.0.1 on a ZooKeeper 3.4 client) in
 * a JVM of its own, driven over its stdin/stdout (the protocol is in the peer's source,
 * {@code election-peer/MarathonElectionPeer.java}). Like a Marathon process it joins once, may be elected once, and
 * exits when it abdicates or loses leadership; a re-join is a new peer.
 */
public final class ElectionPeer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ElectionPeer.class);
  private static final int LOG_LINES_KEPT = 40;

  /** Called on the peer's reader thread: hand long work to another thread. */
  public interface Listener {
    default void joined(String nodePath) { }

    default void leader() { }

    default void notLeader() { }

    /**
     * The JVM ended; {@code code} as Marathon's: 0 asked to exit, 101 connection lost, 103 lost leadership, 105
     * abdicated.
     */
    default void exited(int code, String reason) { }
  }

  private final String id;
  private final Process process;
  private final OutputStream stdin;
  private final Listener listener;
  private final BlockingQueue<String> leaderAnswers = new LinkedBlockingQueue<>();
  private final Deque<String> recentLog = new ArrayDeque<>();
  /** One {@code LEADER?} at a time: answers carry no request id. */
  private final Object queryLock = new Object();
  private volatile String ourPath;
  private volatile boolean leader;
  private volatile String exitReason = "the peer's JVM ended without saying why";

  private ElectionPeer(String id, Process process, Listener listener) {
    this.id = id;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.listener = listener;
  }

  /**
   * Starts a peer that joins {@code latchPath} (Marathon's {@code <zk>/leader-curator}) with {@code id} as its latch id
   * and node data (Marathon's {@code host:port}). Returns at once; the peer reports {@code joined} when its node
   * exists.
   *
   * @param digest {@code user:password} for ZooKeeper digest auth, given to the peer in its environment (not on its
   *     command line, which other users of the machine can read)
   */
  public static ElectionPeer start(ElectionPeerStack stack, String connectString, String latchPath, String id,
                                   Optional<String> digest, Duration sessionTimeout, Listener listener)
      throws IOException {
    Objects.requireNonNull(listener, "listener");
    List<String> command = stack.command();
    command.addAll(List.of(connectString, latchPath, id, Long.toString(sessionTimeout.toMillis()),
        Long.toString(Math.max(1000, sessionTimeout.toMillis()))));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("ELECTION_PEER_ZK_DIGEST");
    digest.ifPresent(d -> pb.environment().put("ELECTION_PEER_ZK_DIGEST", d));
    ElectionPeer peer = new ElectionPeer(id, pb.start(), listener);
    peer.startReaders();
    return peer;
  }

  private void startReaders() {
    Thread out = new Thread(this::readProtocol, "election-peer-" + id + "-out");
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(this::readLog, "election-peer-" + id + "-err");
    err.setDaemon(true);
    err.start();
  }

  private void readProtocol() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String word = line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line;
        String rest = line.contains(" ") ? line.substring(line.indexOf(' ') + 1) : "";
        switch (word) {
          case "JOINED" -> {
            ourPath = rest;
            listener.joined(rest);
          }
          case "LEADER" -> {
            leader = true;
            listener.leader();
          }
          case "NOT_LEADER" -> {
            leader = false;
            listener.notLeader();
          }
          case "LEADER_ID" -> leaderAnswers.add(rest);
          case "LEFT" -> leader = false;
          case "EXITING" -> exitReason = rest;
          default -> LOG.debug("election peer {}: unexpected line {}", id, line);
        }
      }
    } catch (IOException e) {
      LOG.debug("election peer {}: reading its output failed: {}", id, e.toString());
    }
    leader = false;
    int code;
    try {
      code = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (code != 0 && code != 105 && code != 103) {
      LOG.info("election peer {} exited with {} ({}); its last log lines:\n{}", id, code, exitReason, recentLog());
    }
    listener.exited(code, exitReason);
  }

  private void readLog() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        LOG.debug("election peer {}: {}", id, line);
        synchronized (recentLog) {
          recentLog.addLast(line);
          if (recentLog.size() > LOG_LINES_KEPT) {
            recentLog.removeFirst();
          }
        }
      }
    } catch (IOException ignored) {
      // the peer is gone
    }
  }

  public String id() {
    return id;
  }

  public long pid() {
    return process.pid();
  }

  /** The peer's latch node, once it has said so (a new one after its latch re-created it). */
  public Optional<String> ourPath() {
    return Optional.ofNullable(ourPath);
  }

  /** Whether the peer's latch says it leads (as it last told us). */
  public boolean isLeader() {
    return leader && process.isAlive();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** The leader as the peer's own Curator 4.0.1 latch sees it ({@code LeaderLatch.getLeader()}); empty: none. */
  public Optional<String> leaderId(Duration timeout) throws IOException, InterruptedException {
    synchronized (queryLock) {
      leaderAnswers.clear();
      send("LEADER?");
      String answer = leaderAnswers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (answer == null) {
        throw new IOException("election peer " + id + " did not answer LEADER? within " + timeout.toMillis() + " ms"
            + (process.isAlive() ? "" : " (it exited: " + exitReason + ")"));
      }
      return answer.equals("-") ? Optional.empty() : Optional.of(answer);
    }
  }

  /** Marathon's abdication: leaves the latch, closes its session and exits (105). Does not wait. */
  public void abdicate() {
    send("ABDICATE");
  }

  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A crash: the JVM is killed; its node stays until its session expires on the server. */
  public void kill() {
    process.destroyForcibly();
  }

  /** Leaves the election (the node goes at once) and waits for the JVM to end; kills it if it does not. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    send("EXIT");
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        LOG.warn("election peer {} did not exit within 10 s; killing it", id);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The peer's last log lines (stderr), for failure messages. */
  public String recentLog() {
    synchronized (recentLog) {
      return String.join("\n", recentLog);
    }
  }

  private void send(String command) {
    synchronized (stdin) {
      sendLocked(command);
    }
  }

  private void sendLocked(String command) {
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException gone) {
      LOG.debug("election peer {}: cannot send {}: {}", id, command, gone.toString());
    }
  }
}
