package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.engine.ProgressListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fenced backup costs Marathon in leaderless time, with the pre-copy and with the whole snapshot under the
 * fence, on the bench's tree; and what a restore of a backup that differs from the live state in 1% of its nodes
 * costs, writing only the difference and rewriting the whole tree. The leader keeps writing its instances while the
 * online copy runs, and the engine works as the operator does. Runs alternate between the two ways, so drift on a
 * noisy machine falls on both.
 */
final class LeaderlessBench {

  /** In every restore, one node in this many differs from the backup. */
  static final int CHANGED_ONE_IN = 100;

  /**
   * Leaderless windows of each way, and each backup's whole time from its start to its committed archive (the
   * pre-copy adds its online pass and rounds to that).
   */
  record Result(List<Duration> whole, List<Duration> preCopy, List<Duration> totalWhole, List<Duration> totalPreCopy,
                List<Duration> restoreWhole, List<Duration> restoreDelta, long changedPerRestore) {
    Duration medianTotalWhole() {
      return Durations.median(totalWhole);
    }

    Duration medianTotalPreCopy() {
      return Durations.median(totalPreCopy);
    }

    Duration medianWhole() {
      return Durations.median(whole);
    }

    Duration medianPreCopy() {
      return Durations.median(preCopy);
    }

    Duration medianRestoreWhole() {
      return Durations.median(restoreWhole);
    }

    Duration medianRestoreDelta() {
      return Durations.median(restoreDelta);
    }
  }

  private LeaderlessBench() {}

  static Result run(MarathonOnTree marathon, int rounds) throws Exception {
    List<Duration> whole = new ArrayList<>();
    List<Duration> preCopy = new ArrayList<>();
    List<Duration> totalWhole = new ArrayList<>();
    List<Duration> totalPreCopy = new ArrayList<>();
    String last = null;
    for (int i = 0; i < rounds; i++) {
      marathon.awaitLeader();
      long start = System.nanoTime();
      whole.add(backup(marathon, "whole-" + i, BackupOptions.FENCED_WHOLE).marathonLeaderless());
      totalWhole.add(Duration.ofNanos(System.nanoTime() - start));
      last = "pre-copy-" + i;
      marathon.awaitLeader();
      start = System.nanoTime();
      preCopy.add(backup(marathon, last, BackupOptions.FENCED).marathonLeaderless());
      totalPreCopy.add(Duration.ofNanos(System.nanoTime() - start));
    }
    List<Duration> restoreWhole = new ArrayList<>();
    List<Duration> restoreDelta = new ArrayList<>();
    long changed = 0;
    for (int i = 0; i < rounds; i++) {
      changed = marathon.changeEvery(CHANGED_ONE_IN, 2 * i);
      restoreWhole.add(restore(marathon, last, "whole-" + i, RestoreOptions.WHOLE));
      marathon.changeEvery(CHANGED_ONE_IN, 2 * i + 1);
      restoreDelta.add(restore(marathon, last, "delta-" + i, RestoreOptions.DEFAULT));
    }
    marathon.awaitLeader();
    return new Result(whole, preCopy, totalWhole, totalPreCopy, restoreWhole, restoreDelta, changed);
  }

  private static Duration restore(MarathonOnTree marathon, String backup, String name, RestoreOptions options)
      throws Exception {
    marathon.awaitLeader();
    return marathon.service().restore(backup, "safety-" + name, options, ProgressListener.NONE).marathonLeaderless();
  }

  private static BackupOutcome backup(MarathonOnTree marathon, String id, BackupOptions options) throws Exception {
    marathon.awaitLeader();
    BackupOutcome outcome = marathon.service().backup(id, "bench", options, ProgressListener.NONE);
    if (outcome.warning() != null) {
      throw new IllegalStateException("backup " + id + ": " + outcome.warning());
    }
    return outcome;
  }
}
