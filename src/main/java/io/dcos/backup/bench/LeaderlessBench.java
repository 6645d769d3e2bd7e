package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.engine.RestoreOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fenced backup costs Marathon in leaderless time, with the pre-copy and with the whole snapshot under the
 * fence, on the bench's tree; and what a restore of a backup that differs from the live state in 1% of its nodes
 * costs, writing only the difference and rewriting the whole tree. Every operation starts on a leader that writes its
 * instances at a steady rate and keeps writing until the fence stops it (through the pre-copy's online pass), and the
 * engine works as the operator does. Runs alternate between the two ways, so drift on a noisy machine falls on both.
 */
final class LeaderlessBench {

  /** In every restore, one node in this many differs from the backup. */
  static final int CHANGED_ONE_IN = 100;

  /**
   * Leaderless windows of each way, and each backup's whole time from its start to its committed archive (the
   * pre-copy adds its online pass and rounds to that); the leader's instance writes during each way's operations;
   * the nodes the fenced delta of each pre-copied backup re-read, and the nodes each delta restore wrote.
   */
  record Result(List<Duration> whole, List<Duration> preCopy, List<Duration> totalWhole, List<Duration> totalPreCopy,
                List<Duration> restoreWhole, List<Duration> restoreDelta, long changedPerRestore,
                LeaderWrites leaderWrites, List<Long> preCopyReread, List<Long> deltaWritten) {
    Duration medianTotalWhole() {
      return Durations.median(totalWhole);
    }

    Duration medianTotalPreCopy() {
      return Durations.median(totalPreCopy);
    }

    /** Each round's pre-copied backup time over its whole snapshot's, in order. */
    List<Double> totalPreCopyVsWholeByRound() {
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < Math.min(totalPreCopy.size(), totalWhole.size()); round++) {
        ratios.add(Durations.seconds(totalPreCopy.get(round)) / Durations.seconds(totalWhole.get(round)));
      }
      return ratios;
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

  /**
   * Instance updates the Marathon leader wrote: in all ({@code total}, from the first round's start to the last
   * round's end) and during each way's operations (from the operation's start to its end, fenced time included).
   */
  record LeaderWrites(int perSecond, int apps, long total, Duration elapsed, long backupWhole, long backupPreCopy,
                      long restoreWhole, long restoreDelta) {}

  private LeaderlessBench() {}

  static Result run(MarathonOnTree marathon, int rounds, int leaderWritesPerSecond) throws Exception {
    List<Duration> whole = new ArrayList<>();
    List<Duration> preCopy = new ArrayList<>();
    List<Duration> totalWhole = new ArrayList<>();
    List<Duration> totalPreCopy = new ArrayList<>();
    List<Long> preCopyReread = new ArrayList<>();
    long[] writes = new long[4];
    long firstWrite = marathon.leaderWrites();
    long begin = System.nanoTime();
    String last = null;
    for (int i = 0; i < rounds; i++) {
      marathon.awaitBusyLeader();
      long from = marathon.leaderWrites();
      long start = System.nanoTime();
      whole.add(backup(marathon, "whole-" + i, BackupOptions.FENCED_WHOLE).marathonLeaderless());
      totalWhole.add(Duration.ofNanos(System.nanoTime() - start));
      writes[0] += marathon.leaderWrites() - from;
      last = "pre-copy-" + i;
      marathon.awaitBusyLeader();
      from = marathon.leaderWrites();
      start = System.nanoTime();
      BackupOutcome outcome = backup(marathon, last, BackupOptions.FENCED);
      totalPreCopy.add(Duration.ofNanos(System.nanoTime() - start));
      writes[1] += marathon.leaderWrites() - from;
      preCopy.add(outcome.marathonLeaderless());
      if (outcome.preCopy() == null) {
        throw new IllegalStateException("backup " + last + " did not take the pre-copy");
      }
      preCopyReread.add(outcome.preCopy().znodesReread());
    }
    List<Duration> restoreWhole = new ArrayList<>();
    List<Duration> restoreDelta = new ArrayList<>();
    List<Long> deltaWritten = new ArrayList<>();
    long changed = 0;
    for (int i = 0; i < rounds; i++) {
      changed = marathon.changeEvery(CHANGED_ONE_IN, 2 * i);
      marathon.awaitBusyLeader();
      long from = marathon.leaderWrites();
      restoreWhole.add(restore(marathon, last, "whole-" + i, RestoreOptions.WHOLE).marathonLeaderless());
      writes[2] += marathon.leaderWrites() - from;
      marathon.changeEvery(CHANGED_ONE_IN, 2 * i + 1);
      marathon.awaitBusyLeader();
      from = marathon.leaderWrites();
      RestoreOutcome delta = restore(marathon, last, "delta-" + i, RestoreOptions.DEFAULT);
      writes[3] += marathon.leaderWrites() - from;
      restoreDelta.add(delta.marathonLeaderless());
      if (delta.written() == null || delta.written().preCopy() == null) {
        throw new IllegalStateException("restore delta-" + i + " did not write only the difference");
      }
      deltaWritten.add(delta.written().znodesWritten());
    }
    marathon.awaitLeader();
    LeaderWrites leaderWrites = new LeaderWrites(leaderWritesPerSecond, marathon.apps(),
        marathon.leaderWrites() - firstWrite, Duration.ofNanos(System.nanoTime() - begin), writes[0], writes[1],
        writes[2], writes[3]);
    return new Result(whole, preCopy, totalWhole, totalPreCopy, restoreWhole, restoreDelta, changed, leaderWrites,
        preCopyReread, deltaWritten);
  }

  private static RestoreOutcome restore(MarathonOnTree marathon, String backup, String name, RestoreOptions options)
      throws Exception {
    return marathon.service().restore(backup, "safety-" + name, options, ProgressListener.NONE);
  }

  private static BackupOutcome backup(MarathonOnTree marathon, String id, BackupOptions options) throws Exception {
    BackupOutcome outcome = marathon.service().backup(id, "bench", options, ProgressListener.NONE);
    if (outcome.warning() != null) {
      throw new IllegalStateException("backup " + id + ": " + outcome.warning());
    }
    return outcome;
  }
}
