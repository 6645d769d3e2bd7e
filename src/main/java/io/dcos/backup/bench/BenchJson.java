package io.dcos.backup.bench;

import static io.dcos.backup.bench.Durations.seconds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's last line: every figure as one JSON object, for scripts that compare runs. Its keys are an interface;
 * the leaderless and S3 figures are there only when their rounds ran.
 */
final class BenchJson {
  private BenchJson() {}

  /**
   * @param scale         the tree's scale, lower case
   * @param serverVersion the ZooKeeper server's release
   * @param server        {@code process}, {@code inprocess} or {@code external}
   * @param leaderless    null when its rounds were skipped
   * @param storage       null when its rounds were skipped
   */
  static String line(String scale, String serverVersion, String server, int floorRounds, EngineFigures f,
      LeaderlessBench.Result leaderless, StorageBench.Result storage) throws JsonProcessingException {
    EngineFigures.Reads reads = f.reads();
    EngineFigures.EngineRuns engine = f.engine();
    EngineFigures.Writes writes = f.writes();
    double snapshotSeconds = reads.snapshot().seconds();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scale", scale);
    json.put("znodes", f.znodes());
    json.put("bytes", f.bytes());
    json.put("server_version", serverVersion);
    json.put("server", server);
    json.put("snapshot_seconds", round(snapshotSeconds));
    json.put("snapshot_znodes_per_s", Math.round(f.snapshotRate()));
    json.put("sequential_znodes_per_s", Math.round(f.sequentialRate()));
    json.put("pipelined_znodes_per_s", Math.round(f.pipelinedRate()));
    json.put("snapshot_vs_sequential", round(f.snapshotRate() / f.sequentialRate()));
    json.put("snapshot_vs_pipelined", round(f.snapshotRate() / f.pipelinedRate()));
    json.put("acl_floor_seconds", round(reads.aclFloor().seconds()));
    json.put("snapshot_vs_acl_floor", round(snapshotSeconds / reads.aclFloor().seconds()));
    json.put("snapshot_vs_acl_floor_by_round", rounded(reads.snapshotVsFloorByRound()));
    json.put("floor_rounds", floorRounds);
    json.put("backup_seconds", round(engine.backup().seconds()));
    json.put("restore_seconds", round(engine.restore().seconds()));
    json.put("restore_znodes_per_s", Math.round(f.restoreRate()));
    json.put("raw_write_znodes_per_s", Math.round(f.rawRate()));
    json.put("one_by_one_znodes_per_s", Math.round(f.oneByOneRate()));
    json.put("one_by_one_sample", writes.oneByOne().value().nodes());
    json.put("sequential_sample", reads.sequential().value().nodes());
    json.put("restore_vs_raw", round(f.restoreRate() / f.rawRate()));
    json.put("restore_vs_one_by_one", round(f.restoreRate() / f.oneByOneRate()));
    json.put("verify_seconds", round(engine.verify().seconds()));
    json.put("verify_vs_snapshot", round(engine.verify().seconds() / snapshotSeconds));
    json.put("verify_ok", engine.verify().value().isEmpty());
    json.put("peak_heap_mb", f.peakHeapMb());
    json.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    json.put("largest_write_request_bytes", writes.largestWrite());
    json.put("jute_maxbuffer", EngineFigures.JUTE_MAXBUFFER);
    json.put("writes_under_jute_maxbuffer", f.writesUnderJuteMaxbuffer());
    if (leaderless != null) {
      putLeaderless(json, leaderless);
    }
    if (storage != null) {
      json.put("local_backup_s", round(seconds(storage.medianLocalBackup())));
      json.put("s3_backup_s", round(seconds(storage.medianLocationBackup())));
      json.put("local_restore_s", round(seconds(storage.medianLocalRestore())));
      json.put("s3_restore_s", round(seconds(storage.medianLocationRestore())));
      json.put("s3_vs_local_backup",
          round(seconds(storage.medianLocationBackup()) / seconds(storage.medianLocalBackup())));
      json.put("s3_vs_local_restore",
          round(seconds(storage.medianLocationRestore()) / seconds(storage.medianLocalRestore())));
    }
    return new ObjectMapper().writeValueAsString(json);
  }

  private static void putLeaderless(Map<String, Object> json, LeaderlessBench.Result leaderless) {
    json.put("leaderless_backup_whole_s", round(seconds(leaderless.medianWhole())));
    json.put("leaderless_backup_precopy_s", round(seconds(leaderless.medianPreCopy())));
    json.put("leaderless_precopy_vs_whole",
        round(seconds(leaderless.medianPreCopy()) / seconds(leaderless.medianWhole())));
    json.put("backup_total_whole_s", round(seconds(leaderless.medianTotalWhole())));
    json.put("backup_total_precopy_s", round(seconds(leaderless.medianTotalPreCopy())));
    json.put("backup_total_precopy_vs_whole",
        round(seconds(leaderless.medianTotalPreCopy()) / seconds(leaderless.medianTotalWhole())));
    json.put("backup_total_precopy_vs_whole_by_round", rounded(leaderless.totalPreCopyVsWholeByRound()));
    json.put("leaderless_restore_whole_s", round(seconds(leaderless.medianRestoreWhole())));
    json.put("leaderless_restore_delta_s", round(seconds(leaderless.medianRestoreDelta())));
    json.put("leaderless_restore_delta_vs_whole",
        round(seconds(leaderless.medianRestoreDelta()) / seconds(leaderless.medianRestoreWhole())));
    json.put("restore_changed_znodes", leaderless.changedPerRestore());
    LeaderlessBench.LeaderWrites w = leaderless.leaderWrites();
    json.put("leader_writes_per_s_asked", w.perSecond());
    json.put("leader_apps", w.apps());
    json.put("leader_writes", w.total());
    json.put("leader_writes_elapsed_s", round(seconds(w.elapsed())));
    json.put("leader_writes_backup_whole", w.backupWhole());
    json.put("leader_writes_backup_precopy", w.backupPreCopy());
    json.put("leader_writes_restore_whole", w.restoreWhole());
    json.put("leader_writes_restore_delta", w.restoreDelta());
    json.put("precopy_fenced_znodes_reread", leaderless.preCopyReread());
    json.put("restore_delta_znodes_written", leaderless.deltaWritten());
  }

  private static List<Double> rounded(List<Double> values) {
    return values.stream().map(BenchJson::round).toList();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
