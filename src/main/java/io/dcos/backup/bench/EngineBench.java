package io.dcos.backup.bench;

import static io.dcos.backup.bench.Timed.time;
import static org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE;

import io.dcos.backup.bench.MarathonTree.Scale;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.FenceToken;
import io.dcos.backup.zookeeper.PortableWrites;
import io.dcos.backup.zookeeper.RestoreSummary;
import io.dcos.backup.zookeeper.StateRestorer;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.StateVerifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;

/**
 * The engine's snapshot, backup, restore and verification on the bench's tree, each next to the peers' ways of doing
 * the same (see {@link Baselines}), after a warm-up of every measured path. Lays the tree out under a base path of
 * its own: {@code <base>/source/marathon/state}, with copies under {@code <base>/copies}.
 */
final class EngineBench {
  private final CuratorFramework client;
  private final ZooKeeper zk;
  private final MarathonTree tree;
  private final HeapSampler heap;
  private final PrintStream out;
  private final Settings settings;

  /**
   * @param inFlight         outstanding requests of the pipelined baselines
   * @param floorRounds      alternating getACL-floor passes and snapshots whose medians are compared
   * @param sequentialSample nodes the sequential walk reads, or null for its default by scale
   * @param oneByOneSample   nodes the one-create-per-round-trip baseline writes, or null for its default by scale
   */
  record Settings(int inFlight, int floorRounds, Long sequentialSample, Long oneByOneSample) {}

  EngineBench(CuratorFramework client, MarathonTree tree, HeapSampler heap, PrintStream out, Settings settings)
      throws Exception {
    this.client = client;
    this.zk = client.getZookeeperClient().getZooKeeper();
    this.tree = tree;
    this.heap = heap;
    this.out = out;
    this.settings = settings;
  }

  /** The path of the tree's Marathon state under {@code base}. */
  static String state(String base) {
    return base + "/source/marathon/state";
  }

  /**
   * Builds the tree under {@code base} and measures; {@code work} holds the archives.
   *
   * @param znodes the tree's nodes, as {@link MarathonTree#measure} counts them
   * @param bytes  the tree's data bytes, likewise
   */
  EngineFigures run(String base, Path work, String connectString, long znodes, long bytes) throws Exception {
    // Plain creates (not Curator's create2): the benchmark runs on ZooKeeper 3.4 servers too.
    PortableWrites.createWithParents(zk, base + "/source/marathon", new byte[0], OPEN_ACL_UNSAFE,
        CreateMode.PERSISTENT);
    PortableWrites.create(zk, base + "/copies", new byte[0], OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    String fence = PortableWrites.create(zk, base + "/fence", new byte[0], OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    String state = state(base);

    Timed<Baselines.Count> build = time(() -> Baselines.rawBatchedWrite(zk, state, tree.nodes(), 500, 512 * 1024, 8));
    check(build.value().nodes() == znodes, "tree build wrote " + build.value().nodes() + " of " + znodes);
    out.printf(Locale.ROOT, "built the tree in %.1f s%n", build.seconds());

    warmUp(base, state, fence, work);
    EngineFigures.Reads reads = reads(state, znodes, bytes);
    EngineRunsAndWrites engine = engineRuns(base, state, fence, work, connectString, znodes);
    EngineFigures.Writes writes = writes(base, engine.largestWrite(), engine.writeRequests(), engine.store(),
        engine.id());
    return new EngineFigures(znodes, bytes, reads, engine.runs(), writes);
  }

  /** Warms up the client JIT on every path that is measured, on a small part of the tree. */
  private void warmUp(String base, String state, String fence, Path work) throws Exception {
    String warm = state + "/group";
    for (int i = 0; i < 3; i++) {
      Baselines.sequentialWalk(zk, warm, Long.MAX_VALUE);
      Baselines.pipelinedWalk(zk, warm, settings.inFlight());
      new StateSnapshotter(client).snapshot(warm, n -> { });
    }
    Baselines.aclFloor(zk, state, tree.nodes(), settings.inFlight());

    // ...and the archive, restore and verification paths (the raw writer is warm already: it built the tree).
    ArchiveStore warmStore = new ArchiveStore(work.resolve("warm-up"));
    for (int i = 0; i < 3; i++) {
      String warmId = "warm-" + i;
      try (ArchiveWriter writer = warmStore.create(warmId)) {
        new StateSnapshotter(client).snapshot(state + "/apps", writer);
        writer.commit(new ManifestInfo(warmId, "warm", Instant.now(), List.of(), base, "bench"));
      }
      String warmCopy = base + "/copies/warm-" + i + "/state";
      RestoreSummary summary;
      try (ArchiveReader reader = warmStore.open(warmId)) {
        summary = new StateRestorer(client).restore(warmCopy, reader.nodes(), new FenceToken(fence, 0));
      }
      try (ArchiveReader reader = warmStore.open(warmId)) {
        check(new StateVerifier(client).compare(warmCopy, reader.nodes(), summary).isEmpty(), "warm-up copy differs");
      }
      Baselines.deleteTree(zk, base + "/copies/warm-" + i);
    }
    // Snapshots of a subtree mark their starting zxid beside it (on servers without persistent watches): the
    // warm-ups' marks sit inside the measured tree, so they go before it is measured.
    Baselines.deleteTree(zk, state + "/backup-operator-clock");
  }

  private EngineFigures.Reads reads(String state, long znodes, long bytes) throws Exception {
    Scale s = tree.scale();
    int inFlight = settings.inFlight();
    long seqLimit = settings.sequentialSample() != null ? settings.sequentialSample()
        : s == Scale.SMALL ? Long.MAX_VALUE : 20_000;
    Timed<Baselines.Count> sequential = time(() -> Baselines.sequentialWalk(zk, state, seqLimit));
    Timed<Baselines.Count> pipelined = time(() -> Baselines.pipelinedWalk(zk, state, inFlight));
    // The snapshot/floor ratio is the one figure of this table with a target: floor and snapshot alternate, and the
    // medians are reported, so that one pause of the machine does not decide it (a small tree takes ~0.1 s).
    List<Timed<Baselines.Count>> floors = new ArrayList<>();
    List<Timed<?>> snapshots = new ArrayList<>();
    heap.resetPeak();
    for (int round = 0; round < settings.floorRounds(); round++) {
      floors.add(time(() -> Baselines.aclFloor(zk, state, tree.nodes(), inFlight)));
      long[] seen = new long[2];
      snapshots.add(time(() -> new StateSnapshotter(client).snapshot(state, n -> {
        seen[0]++;
        seen[1] += n.data() == null ? 0 : n.data().length;
      })));
      check(seen[0] == znodes && seen[1] == bytes, "engine snapshot read " + seen[0] + " znodes / " + seen[1]
          + " bytes, expected " + znodes + " / " + bytes);
    }
    long heapSnapshot = heap.peakMb();
    Timed<Baselines.Count> aclFloor = Timed.median(floors);
    Timed<?> snapshot = Timed.median(snapshots);
    check(sequential.value().nodes() == Math.min(znodes, seqLimit)
        && (seqLimit < znodes || sequential.value().bytes() == bytes), "sequential walk read " + sequential.value());
    check(pipelined.value().nodes() == znodes && pipelined.value().bytes() == bytes,
        "pipelined walk read " + pipelined.value());
    check(aclFloor.value().nodes() == znodes, "getACL floor read " + aclFloor.value().nodes() + " ACLs");
    List<Double> byRound = new ArrayList<>();
    for (int round = 0; round < floors.size(); round++) {
      byRound.add(snapshots.get(round).seconds() / floors.get(round).seconds());
    }
    return new EngineFigures.Reads(sequential, pipelined, aclFloor, snapshot, heapSnapshot, byRound);
  }

  /** The engine's runs, and what the writes' baselines need of them: the archive and the write audit so far. */
  private record EngineRunsAndWrites(EngineFigures.EngineRuns runs, ArchiveStore store, String id, long largestWrite,
                                     long writeRequests) {}

  private EngineRunsAndWrites engineRuns(String base, String state, String fence, Path work, String connectString,
      long znodes) throws Exception {
    ArchiveStore store = new ArchiveStore(work.resolve("archives"));
    String id = "bench-" + UUID.randomUUID();
    heap.resetPeak();
    Timed<Manifest> backup = time(() -> {
      try (ArchiveWriter writer = store.create(id)) {
        new StateSnapshotter(client).snapshot(state, writer);
        return writer.commit(new ManifestInfo(id, "bench", Instant.now(), List.of(connectString),
            base + "/source/marathon", "bench"));
      }
    });
    long heapBackup = heap.peakMb();
    check(backup.value().znodes() == znodes, "archive holds " + backup.value().znodes() + " znodes");

    // Restores go into fresh paths, so all three write the same creates into the same server state.
    AuditedZooKeeper.reset();
    String restored = base + "/copies/engine/state";
    heap.resetPeak();
    Timed<RestoreSummary> restore = time(() -> {
      try (ArchiveReader reader = store.open(id)) {
        return new StateRestorer(client).restore(restored, reader.nodes(), new FenceToken(fence, 0));
      }
    });
    long heapRestore = heap.peakMb();
    long largestWrite = AuditedZooKeeper.LARGEST_WRITE.get();
    long writeRequests = AuditedZooKeeper.WRITE_REQUESTS.get();
    check(restore.value().znodesWritten() == znodes, "restore wrote " + restore.value().znodesWritten());

    heap.resetPeak();
    Timed<Optional<String>> verify = time(() -> {
      try (ArchiveReader reader = store.open(id)) {
        return new StateVerifier(client).compare(restored, reader.nodes(), restore.value());
      }
    });
    long heapVerify = heap.peakMb();
    check(verify.value().isEmpty(), "verification found differences: " + verify.value().orElse(""));
    Baselines.deleteTree(zk, base + "/copies/engine");
    return new EngineRunsAndWrites(new EngineFigures.EngineRuns(backup, restore, verify, heapBackup, heapRestore,
        heapVerify), store, id, largestWrite, writeRequests);
  }

  private EngineFigures.Writes writes(String base, long largestSoFar, long writeRequests, ArchiveStore store,
      String id) throws Exception {
    long largestWrite = largestSoFar;
    // The raw limit as well as it can be had: the better of two batch shapes.
    Timed<Baselines.Count> raw = null;
    String rawShape = null;
    for (int[] shapeOf : new int[][] {{500, 512 * 1024, 4}, {1000, 900 * 1024, 8}}) {
      String rawPath = base + "/copies/raw/state";
      PortableWrites.create(zk, base + "/copies/raw", new byte[0], OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      Timed<Baselines.Count> t = time(() -> Baselines.rawBatchedWrite(zk, rawPath, tree.nodes(), shapeOf[0],
          shapeOf[1], shapeOf[2]));
      largestWrite = Math.max(largestWrite, AuditedZooKeeper.LARGEST_WRITE.get());
      Baselines.deleteTree(zk, base + "/copies/raw");
      if (raw == null || t.seconds() < raw.seconds()) {
        raw = t;
        rawShape = shapeOf[0] + " ops/" + (shapeOf[1] >> 10) + " KB, " + shapeOf[2] + " in flight";
      }
    }

    long sample = settings.oneByOneSample() != null ? settings.oneByOneSample()
        : tree.scale() == Scale.SMALL ? Long.MAX_VALUE : 10_000;
    String oneByOnePath = base + "/copies/one-by-one/state";
    PortableWrites.create(zk, base + "/copies/one-by-one", new byte[0], OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    Timed<Baselines.Count> oneByOne = time(() -> {
      try (ArchiveReader reader = store.open(id)) {
        return Baselines.oneByOneRestore(zk, oneByOnePath, reader.nodes(), sample);
      }
    });
    Baselines.deleteTree(zk, base + "/copies/one-by-one");
    return new EngineFigures.Writes(raw, rawShape, oneByOne, largestWrite, writeRequests);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
