package io.dcos.backup.bench;

import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.RestoreSummary;
import java.util.List;
import java.util.Optional;

/**
 * What {@link EngineBench} measured of the engine and of the baselines beside it, on a tree of {@code znodes} nodes
 * holding {@code bytes} data bytes.
 */
record EngineFigures(long znodes, long bytes, Reads reads, EngineRuns engine, Writes writes) {
  /** The server's limit for one request; the bench's own client raises only its reply limit. */
  static final long JUTE_MAXBUFFER = 0xfffff;

  /**
   * The engine's snapshot (the median of alternating rounds with the getACL floor) and the peers' walks; each round's
   * snapshot/floor, in order, shows how far one round can stray from the medians.
   */
  record Reads(Timed<Baselines.Count> sequential, Timed<Baselines.Count> pipelined, Timed<Baselines.Count> aclFloor,
               Timed<?> snapshot, long snapshotHeapMb, List<Double> snapshotVsFloorByRound) {}

  /** The engine's backup, restore and verification, each with the peak heap it took. */
  record EngineRuns(Timed<Manifest> backup, Timed<RestoreSummary> restore, Timed<Optional<String>> verify,
                    long backupHeapMb, long restoreHeapMb, long verifyHeapMb) {}

  /**
   * The peers' writes: the better of the raw batch shapes, named by {@code rawShape}, and one create per round trip;
   * the largest write request and how many the engine's restore sent.
   */
  record Writes(Timed<Baselines.Count> raw, String rawShape, Timed<Baselines.Count> oneByOne, long largestWrite,
                long engineWriteRequests) {}

  double snapshotRate() {
    return znodes / reads.snapshot().seconds();
  }

  double sequentialRate() {
    return reads.sequential().value().nodes() / reads.sequential().seconds();
  }

  double pipelinedRate() {
    return znodes / reads.pipelined().seconds();
  }

  double restoreRate() {
    return znodes / engine.restore().seconds();
  }

  double rawRate() {
    return writes.raw().value().nodes() / writes.raw().seconds();
  }

  double oneByOneRate() {
    return writes.oneByOne().value().nodes() / writes.oneByOne().seconds();
  }

  long peakHeapMb() {
    return Math.max(Math.max(reads.snapshotHeapMb(), engine.backupHeapMb()),
        Math.max(engine.restoreHeapMb(), engine.verifyHeapMb()));
  }

  boolean writesUnderJuteMaxbuffer() {
    return writes.largestWrite() <= JUTE_MAXBUFFER;
  }
}
