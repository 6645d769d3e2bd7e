package io.dcos.backup.bench;

import static io.dcos.backup.bench.Durations.seconds;

import io.dcos.backup.simulator.Election;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The bench's figures as the tables a reader compares: the engine's phases beside the baselines, then each extra. */
final class BenchTable {
  private final PrintStream out;

  BenchTable(PrintStream out) {
    this.out = out;
  }

  private record Row(String name, double seconds, long znodes, long bytes, String note) {}

  /**
   * Snapshot, backup, restore and verification, each with its baselines and the engine's speed-up over them; then
   * the engine's peak heap and its largest write request.
   */
  void printEngine(EngineFigures f, int inFlight) {
    long znodes = f.znodes();
    long bytes = f.bytes();
    EngineFigures.Reads reads = f.reads();
    EngineFigures.EngineRuns engine = f.engine();
    EngineFigures.Writes writes = f.writes();
    double snapRate = f.snapshotRate();
    double restoreRate = f.restoreRate();
    double snapshotSeconds = reads.snapshot().seconds();
    Timed<Baselines.Count> sequential = reads.sequential();
    Timed<Baselines.Count> oneByOne = writes.oneByOne();
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("snapshot: engine", snapshotSeconds, znodes, bytes, ""));
    rows.add(new Row("  (a) sequential sync walk" + (sequential.value().nodes() < znodes
        ? " (" + String.format(Locale.ROOT, "%,d", sequential.value().nodes()) + "-node sample)" : ""),
        sequential.seconds(), sequential.value().nodes(), sequential.value().bytes(),
        ratio(snapRate / f.sequentialRate()) + " engine speed-up"));
    rows.add(new Row("  (b) pipelined async calls, " + inFlight + " in flight", reads.pipelined().seconds(), znodes,
        bytes, ratio(snapRate / f.pipelinedRate()) + " engine speed-up"));
    rows.add(new Row("  (c) floor: getACL only, " + inFlight + " in flight", reads.aclFloor().seconds(),
        znodes, 0, String.format(Locale.ROOT, "snapshot at %.2f of the floor", snapshotSeconds
            / reads.aclFloor().seconds())));
    rows.add(new Row("backup: snapshot + archive + fsync", engine.backup().seconds(), znodes, bytes, ""));
    rows.add(new Row("restore: engine (from archive, fenced)", engine.restore().seconds(), znodes, bytes, ""));
    rows.add(new Row("  (a) one create per round trip" + (oneByOne.value().nodes() < znodes
        ? " (" + String.format(Locale.ROOT, "%,d", oneByOne.value().nodes()) + "-node sample)" : ""),
        oneByOne.seconds(), oneByOne.value().nodes(), oneByOne.value().bytes(),
        ratio(restoreRate / f.oneByOneRate()) + " engine speed-up"));
    rows.add(new Row("  (b) raw multi() writes (" + writes.rawShape() + ")", writes.raw().seconds(),
        writes.raw().value().nodes(), writes.raw().value().bytes(),
        String.format(Locale.ROOT, "engine at %.2f of the raw limit", restoreRate / f.rawRate())));
    rows.add(new Row("verify: engine (restored tree vs archive)", engine.verify().seconds(), znodes, bytes,
        String.format(Locale.ROOT, "%.0f%% of snapshot time", 100 * engine.verify().seconds() / snapshotSeconds)));
    out.println();
    out.printf(Locale.ROOT, "%-46s %10s %12s %9s  %s%n", "phase", "seconds", "znodes/s", "MB/s", "");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "%-46s %10.2f %,12.0f %9.1f  %s%n", r.name(), r.seconds(), r.znodes() / r.seconds(),
          r.bytes() / r.seconds() / 1e6, r.note());
    }
    out.printf(Locale.ROOT, "%npeak heap of the engine phases: %d MB (snapshot %d, backup %d, restore %d, "
            + "verify %d)%n", f.peakHeapMb(), reads.snapshotHeapMb(), engine.backupHeapMb(), engine.restoreHeapMb(),
        engine.verifyHeapMb());
    out.printf(Locale.ROOT, "largest write request (header + paths + data + ACLs, serialized): %,d bytes in %,d "
        + "requests; jute.maxbuffer %,d: %s%n", writes.largestWrite(), writes.engineWriteRequests(),
        EngineFigures.JUTE_MAXBUFFER, f.writesUnderJuteMaxbuffer() ? "every batch under it" : "EXCEEDED");
  }

  void printLeaderless(LeaderlessBench.Result leaderless, Election election, int rounds) {
    out.printf(Locale.ROOT, "%nMarathon leaderless during a fenced operation (3 simulated Marathons, %s "
        + "election, the tree in their state, a leader writing its instances; median of %d):%n",
        election == Election.CURATOR_4_0_1 ? "Curator 4.0.1" : "in-process", rounds);
    out.printf(Locale.ROOT, "  backup, whole snapshot under the fence   %6.2f s  %s%n",
        seconds(leaderless.medianWhole()), secondsList(leaderless.whole()));
    out.printf(Locale.ROOT, "  backup, pre-copy then a fenced delta     %6.2f s  %s  (%.2f of the whole)%n",
        seconds(leaderless.medianPreCopy()), secondsList(leaderless.preCopy()),
        seconds(leaderless.medianPreCopy()) / seconds(leaderless.medianWhole()));
    out.printf(Locale.ROOT, "  backup total time: whole %.2f s, pre-copy %.2f s (%.2f of the whole)%n",
        seconds(leaderless.medianTotalWhole()), seconds(leaderless.medianTotalPreCopy()),
        seconds(leaderless.medianTotalPreCopy()) / seconds(leaderless.medianTotalWhole()));
    LeaderlessBench.LeaderWrites w = leaderless.leaderWrites();
    out.printf(Locale.ROOT, "  leader's instance updates (%d/s asked, %d apps): %,d in %.1f s of rounds; during "
            + "backups whole %,d, pre-copy %,d; restores whole %,d, delta %,d%n", w.perSecond(), w.apps(), w.total(),
        seconds(w.elapsed()), w.backupWhole(), w.backupPreCopy(), w.restoreWhole(), w.restoreDelta());
    out.printf(Locale.ROOT, "  nodes the pre-copy's fenced delta re-read %s; a delta restore wrote %s%n",
        leaderless.preCopyReread(), leaderless.deltaWritten());
    out.printf(Locale.ROOT, "  restore of a backup 1 node in %d away (%,d znodes differ):%n",
        LeaderlessBench.CHANGED_ONE_IN, leaderless.changedPerRestore());
    out.printf(Locale.ROOT, "    whole snapshot and rewrite under the fence %6.2f s  %s%n",
        seconds(leaderless.medianRestoreWhole()), secondsList(leaderless.restoreWhole()));
    out.printf(Locale.ROOT, "    pre-copy, then only the difference       %6.2f s  %s  (%.2f of the whole)%n",
        seconds(leaderless.medianRestoreDelta()), secondsList(leaderless.restoreDelta()),
        seconds(leaderless.medianRestoreDelta()) / seconds(leaderless.medianRestoreWhole()));
  }

  void printStorage(StorageBench.Result storage, int rounds) {
    out.printf(Locale.ROOT, "%nBackup and restore through S3 next to the backup directory (the same Marathons and "
        + "tree; s3proxy in this process on loopback, objects on the same disk; median of %d):%n", rounds);
    out.printf(Locale.ROOT, "  backup   local %6.2f s %s   S3 %6.2f s %s   S3/local %.2f%n",
        seconds(storage.medianLocalBackup()), secondsList(storage.localBackup()),
        seconds(storage.medianLocationBackup()), secondsList(storage.locationBackup()),
        seconds(storage.medianLocationBackup()) / seconds(storage.medianLocalBackup()));
    out.printf(Locale.ROOT, "  restore  local %6.2f s %s   S3 %6.2f s %s   S3/local %.2f%n",
        seconds(storage.medianLocalRestore()), secondsList(storage.localRestore()),
        seconds(storage.medianLocationRestore()), secondsList(storage.locationRestore()),
        seconds(storage.medianLocationRestore()) / seconds(storage.medianLocalRestore()));
  }

  private static String secondsList(List<Duration> runs) {
    return runs.stream().map(d -> String.format(Locale.ROOT, "%.2f", seconds(d))).toList().toString();
  }

  private static String ratio(double r) {
    return String.format(Locale.ROOT, "%.1fx", r);
  }
}
