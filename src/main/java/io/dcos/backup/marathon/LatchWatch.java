package io.dcos.backup.marathon;

import io.dcos.backup.marathon.LatchParticipants.Participant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;

/**
 * How the fence looks at Marathon's election while it waits: the participants in election order and whether a node is
 * still there, read again every poll interval. Read failures are {@link FenceException}s naming the latch path.
 */
final class LatchWatch {
  private final CuratorFramework zk;
  private final String latchPath;
  private final long pollMillis;

  LatchWatch(CuratorFramework zk, String latchPath, FenceOptions options) {
    this.zk = zk;
    this.latchPath = latchPath;
    this.pollMillis = Math.max(1, options.pollInterval().toMillis());
  }

  String latchPath() {
    return latchPath;
  }

  /** The participants in election order: the first one leads. */
  List<Participant> participants() throws FenceException {
    return read(() -> LatchParticipants.list(zk, latchPath));
  }

  /** Whether {@code participant}'s node is first in the election. */
  boolean leads(ElectionParticipant participant) throws FenceException {
    return read(participant::leads);
  }

  boolean exists(String path) {
    try {
      return zk.checkExists().forPath(path) != null;
    } catch (Exception e) {
      // Unknown counts as present: callers wait for absence, and their waits are bounded.
      return true;
    }
  }

  /** Waits one poll interval before the next look. */
  void pause() throws InterruptedException {
    Thread.sleep(pollMillis);
  }

  private <T> T read(Callable<T> call) throws FenceException {
    try {
      return call.call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FenceException("interrupted while reading " + latchPath, e);
    } catch (Exception e) {
      throw new FenceException("could not read Marathon's leader election at " + latchPath + ": " + e, e);
    }
  }
}
