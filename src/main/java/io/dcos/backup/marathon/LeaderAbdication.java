package io.dcos.backup.marathon;

import static io.dcos.backup.marathon.MarathonClient.human;

import io.dcos.backup.marathon.LatchParticipants.Participant;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Marathon leader asked to abdicate ({@link #ask()}), then awaited until its election node is gone
 * ({@link #awaitLeft()}). Both are bounded by the abdication timeout and by what is left of the fence's acquire
 * timeout, whichever ends first.
 */
final class LeaderAbdication {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderAbdication.class);
  /**
   * How long a leader that refuses connections is retried while its election node is still there: Marathon's
   * default {@code --zk_session_timeout} (10 s), after which a crashed leader's node is gone, plus a margin. Bounded
   * by the abdication timeout.
   */
  static final Duration UNREACHABLE_LEADER_GRACE = Duration.ofSeconds(12);

  private final Participant leader;
  private final String hostPort;
  private final MarathonClient marathon;
  private final LatchWatch latch;
  private final Consumer<String> progress;
  private final long deadline;
  /** Which bound ran out, for the messages: this abdication's, or the whole acquisition's. */
  private final String within;

  LeaderAbdication(Participant leader, long acquireDeadline, FenceOptions options, MarathonClient marathon,
                   LatchWatch latch, Consumer<String> progress) {
    this.leader = leader;
    this.hostPort = leader.data().trim();
    this.marathon = marathon;
    this.latch = latch;
    this.progress = progress;
    long ownDeadline = System.nanoTime() + options.abdicationTimeout().toNanos();
    this.deadline = Math.min(acquireDeadline, ownDeadline);
    this.within = ownDeadline - acquireDeadline <= 0 ? human(options.abdicationTimeout())
        : human(options.acquireTimeout()) + " (the fence's acquire timeout)";
  }

  /** The client of a leader's own {@code host:port}, or the configured one when the latch data is no address. */
  static MarathonClient leaderClient(MarathonClient marathon, String hostPort) {
    try {
      return marathon.forLeader(hostPort);
    } catch (IllegalArgumentException notHostPort) {
      return marathon;
    }
  }

  /**
   * Asks the leader to abdicate until it accepts or its election node leaves by itself.
   *
   * @return whether the leader accepted (false: it left without being asked successfully)
   */
  boolean ask() throws MarathonException, FenceException, InterruptedException {
    progress.accept("Asking Marathon leader " + hostPort + " to abdicate");
    boolean accepted = false;
    String secondHand = null;
    Long unreachableSince = null;
    MarathonException unreachable = null;
    while (!accepted) {
      if (!latch.exists(leader.path())) {
        break; // it left by itself
      }
      try {
        leaderClient(marathon, hostPort).abdicate();
        accepted = true;
      } catch (MarathonException e) {
        if (e.kind() == MarathonException.Kind.UNREACHABLE
            && !leaderClient(marathon, hostPort).baseUrl().equals(marathon.baseUrl())) {
          // The leader's own address may not be routable from here: the configured URL proxies to it.
          LOG.info("Marathon leader {} unreachable directly ({}), asking {}", hostPort, e.getMessage(),
              marathon.baseUrl());
          try {
            marathon.abdicate();
            accepted = true;
          } catch (MarathonException e2) {
            // Second-hand: the Marathon asked may see another leader than ours (ours is exiting — a Marathon that
            // refused a guarded state does — and the next in line may be a dead operator's node, whose data is no
            // address). Ours leaving by itself ends the wait above; only the deadline turns this into a failure.
            if (e2.kind() != MarathonException.Kind.NO_LEADER) {
              secondHand = e2.getMessage();
            }
          }
        } else if (e.kind() == MarathonException.Kind.UNREACHABLE) {
          if (unreachableSince == null) {
            unreachableSince = System.nanoTime();
          }
          unreachable = e;
          if (System.nanoTime() - unreachableSince - UNREACHABLE_LEADER_GRACE.toNanos() >= 0) {
            throw e;
          }
          // An exiting Marathon (one that refused a guarded state does) stops serving HTTP before its election
          // node goes; a crashed one leaves the node until its session expires. Either way the node leaving ends
          // the wait above, and the election moves on; a Marathon that is simply not there fails after the grace.
        } else if (e.kind() != MarathonException.Kind.NO_LEADER) {
          throw e;
        } else {
          unreachable = null;
        }
        // NO_LEADER: it is still loading its state or just left; retry until the abdication deadline.
      }
      if (!accepted) {
        if (System.nanoTime() - deadline >= 0) {
          if (unreachable != null) {
            throw unreachable;
          }
          throw new FenceException("Marathon leader " + hostPort + " did not accept abdication within " + within
              + (secondHand == null ? "" : " (unreachable directly; " + secondHand + ")"));
        }
        latch.pause();
      }
    }
    return accepted;
  }

  /** Waits until the leader's election node is gone. */
  void awaitLeft() throws FenceException, InterruptedException {
    while (latch.exists(leader.path())) {
      if (System.nanoTime() - deadline >= 0) {
        throw new FenceException("Marathon leader " + hostPort + " did not abdicate within "
            + within + " (its election node " + leader.path() + " is still there)");
      }
      latch.pause();
    }
    progress.accept("Marathon leader " + hostPort + " abdicated and left the election");
  }
}
