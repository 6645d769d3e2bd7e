package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.engine.ProgressListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fenced backup costs Marathon in leaderless time, with the pre-copy and with the whole snapshot under the
 * fence, on the bench's tree; and what a restore costs. The leader keeps writing its instances while the online copy
 * runs, and the engine backs up as the operator does. Runs alternate between the two ways, so drift on a noisy
 * machine falls on both.
 */
final class LeaderlessBench {

  record Result(List<Duration> whole, List<Duration> preCopy, Duration restore) {
    Duration medianWhole() {
      return Durations.median(whole);
    }

    Duration medianPreCopy() {
      return Durations.median(preCopy);
    }
  }

  private LeaderlessBench() {}

  static Result run(MarathonOnTree marathon, int rounds) throws Exception {
    BackupService service = marathon.service();
    List<Duration> whole = new ArrayList<>();
    List<Duration> preCopy = new ArrayList<>();
    String last = null;
    for (int i = 0; i < rounds; i++) {
      whole.add(backup(marathon, "whole-" + i, BackupOptions.FENCED_WHOLE).marathonLeaderless());
      last = "pre-copy-" + i;
      preCopy.add(backup(marathon, last, BackupOptions.FENCED).marathonLeaderless());
    }
    marathon.awaitLeader();
    Duration restore = service.restore(last, "safety-" + last, RestoreOptions.DEFAULT, ProgressListener.NONE)
        .marathonLeaderless();
    marathon.awaitLeader();
    return new Result(whole, preCopy, restore);
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
