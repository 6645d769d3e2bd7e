package io.dcos.backup.marathon;

import static io.dcos.backup.marathon.MarathonClient.human;
import static io.dcos.backup.marathon.MarathonFence.ID_PREFIX;

import io.dcos.backup.marathon.LatchParticipants.Participant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** The wait after the fence is released, bounded by the recovery timeout, until Marathon has an elected leader. */
final class LeaderRecovery {
  private final MarathonClient marathon;
  private final FenceOptions options;
  private final LatchWatch latch;
  private final Consumer<String> progress;

  LeaderRecovery(MarathonClient marathon, FenceOptions options, LatchWatch latch, Consumer<String> progress) {
    this.marathon = marathon;
    this.options = options;
    this.latch = latch;
    this.progress = progress;
  }

  /**
   * Polls the configured Marathon (or, while it does not answer, the first in the election) until it says
   * {@code elected: true}.
   *
   * @param leaderlessSince when Marathon last had a leader
   * @return how long Marathon had no leader
   */
  Duration await(Instant leaderlessSince) throws FenceException, InterruptedException {
    long deadline = System.nanoTime() + options.recoveryTimeout().toNanos();
    String last = "no answer yet";
    while (true) {
      try {
        MarathonInfo info = marathon.info();
        if (info.elected()) {
          return elected(info.leader(), leaderlessSince);
        }
        last = "Marathon answered elected=false";
      } catch (MarathonException e) {
        if (e.kind() == MarathonException.Kind.UNAUTHORIZED || e.kind() == MarathonException.Kind.FORBIDDEN) {
          throw new FenceException("fence released, but cannot check that Marathon is back: " + e.getMessage(), e);
        }
        last = e.getMessage();
        // The configured instance may be the one restarting: ask the new leader directly.
        try {
          List<Participant> ps = latch.participants();
          if (!ps.isEmpty() && !ps.get(0).data().startsWith(ID_PREFIX)) {
            MarathonInfo info = LeaderAbdication.leaderClient(marathon, ps.get(0).data()).info();
            if (info.elected()) {
              return elected(ps.get(0).data(), leaderlessSince);
            }
          }
        } catch (MarathonException | FenceException ignored) {
          // keep polling the configured URL
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new FenceException("Marathon did not elect a leader within " + human(options.recoveryTimeout())
            + " after the fence was released (last: " + last + ")");
      }
      latch.pause();
    }
  }

  private Duration elected(String leader, Instant leaderlessSince) {
    Duration d = Duration.between(leaderlessSince, Instant.now());
    progress.accept("Marathon leader " + leader + " elected; Marathon had no leader for " + d.toMillis() + " ms");
    return d;
  }
}
