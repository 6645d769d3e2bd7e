package io.dcos.backup.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.bench.MarathonTree.Scale;
import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.Manifest;
import io.dcos.backup.store.S3Location;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.FenceToken;
import io.dcos.backup.zookeeper.PortableWrites;
import io.dcos.backup.zookeeper.RestoreSummary;
import io.dcos.backup.zookeeper.StateRestorer;
import io.dcos.backup.zookeeper.StateSnapshotter;
import io.dcos.backup.zookeeper.StateVerifier;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the engine's snapshot, restore and verification against the peers' ways of doing the same, side by
 * side in one run on one Marathon-shaped tree in a real ZooKeeper server. Prints a table, then one JSON line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure snapshot, restore and verification against sequential and pipelined baselines.")
public final class BenchCommand implements Callable<Integer> {
  /** The server's limit for one request; the bench's own client raises only its reply limit. */
  static final long JUTE_MAXBUFFER = 0xfffff;

  @Option(names = "--scale", description = "small | medium (~100k znodes) | large | huge (~1 GB; run the bench "
      + "with -Xmx256m to prove streaming). Default: ${DEFAULT-VALUE}", defaultValue = "medium")
  String scale;

  @Option(names = "--server", description = "process (a child JVM running ZooKeeperServerMain: fairer) | inprocess. "
      + "Default: ${DEFAULT-VALUE}", defaultValue = "process")
  String server;

  @Option(names = "--connect", description = "host:port of an existing ZooKeeper server (the bench writes and then "
      + "deletes /bench-<uuid>)")
  String connect;

  @Option(names = "--server-heap", description = "-Xmx of the server process (default: by scale)")
  String serverHeap;

  @Option(names = "--one-by-one-sample", description = "Nodes written by the one-create-per-round-trip baseline "
      + "(its rate is measured on this many; default: all for small, else 10000)")
  Long oneByOneSample;

  @Option(names = "--sequential-sample", description = "Nodes read by the sequential baseline (its rate is measured "
      + "on the first this many of its walk; default: all for small, else 20000)")
  Long sequentialSample;

  @Option(names = "--in-flight", description = "Outstanding requests of the pipelined baseline. Default: "
      + "${DEFAULT-VALUE}", defaultValue = "1000")
  int inFlight;

  @Option(names = "--floor-rounds", description = "Alternating getACL-floor passes and engine snapshots whose "
      + "medians give snapshot/floor. Default: ${DEFAULT-VALUE}", defaultValue = "3")
  int floorRounds;

  @Option(names = "--leaderless-rounds", description = "Fenced backups of each kind (pre-copy, whole snapshot under "
      + "the fence) whose Marathon leaderless time is measured, with 3 simulated Marathons on the same tree; 0 skips "
      + "them. Default: ${DEFAULT-VALUE}", defaultValue = "2")
  int leaderlessRounds;

  @Option(names = "--leader-writes-per-second", description = "Instance updates the simulated Marathon leader writes "
      + "per second while it leads, during the leaderless and S3 rounds: as many apps of one instance each, posted "
      + "through its REST API, updated one at a time in turn; 0: an idle leader. Default: ${DEFAULT-VALUE}",
      defaultValue = "40")
  int leaderWritesPerSecond;

  @Option(names = "--s3-rounds", description = "Backups and restores of each kind (through the backup directory, "
      + "through an S3 location on an S3 server in this process, objects on local disk) whose times are compared, "
      + "on the same simulated Marathons; 0 skips them. Default: ${DEFAULT-VALUE}", defaultValue = "3")
  int s3Rounds;

  PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    if (floorRounds < 1) {
      System.err.println("--floor-rounds must be at least 1");
      return 2;
    }
    if (leaderWritesPerSecond < 0 || leaderWritesPerSecond > 1000) {
      System.err.println("--leader-writes-per-second must be between 0 and 1000");
      return 2;
    }
    Scale s = Scale.valueOf(scale.toUpperCase(Locale.ROOT));
    MarathonTree tree = new MarathonTree(s);
    HeapSampler heap = new HeapSampler();
    heap.start();
    Path work = Files.createTempDirectory("marathon-bench");
    TestingServer inProcess = null;
    ZooKeeperProcess process = null;
    String where;
    String connectString;
    String version;
    try {
      if (connect != null) {
        connectString = connect;
        String[] hp = connect.split(":");
        version = ZooKeeperProcess.fourLetterWord(hp[0], Integer.parseInt(hp[1]), "srvr")
            .map(ZooKeeperProcess::parseVersion).orElse("unknown (srvr not allowed)");
        where = "an existing server at " + connect;
      } else if (server.equals("inprocess")) {
        inProcess = new TestingServer(true);
        connectString = inProcess.getConnectString();
        version = org.apache.zookeeper.Version.getFullVersion().split("[- ]")[0];
        where = "in-process (same JVM as the client)";
      } else if (server.equals("process")) {
        String xmx = serverHeap != null ? serverHeap : switch (s) {
          case SMALL -> "512m";
          case MEDIUM -> "2g";
          case LARGE -> "4g";
          case HUGE -> "6g";
        };
        process = ZooKeeperProcess.start(ZooKeeperProcess.ownClasspath(), xmx, Duration.ofSeconds(60));
        connectString = process.connectString();
        version = process.version();
        where = "a separate process (pid " + process.pid() + ", -Xmx" + xmx + ")";
      } else {
        throw new IllegalArgumentException("--server must be process or inprocess");
      }
      return run(tree, heap, work, connectString, version, where);
    } finally {
      heap.stop();
      if (inProcess != null) {
        inProcess.close();
      }
      if (process != null) {
        process.close();
      }
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private int run(MarathonTree tree, HeapSampler heap, Path work, String connectString, String version, String where)
      throws Exception {
    Scale s = tree.scale();
    long[] shape = tree.measure();
    long znodes = shape[0];
    long bytes = shape[1];
    out.printf(Locale.ROOT, "Marathon-shaped tree (%s): %,d znodes, %,d data bytes: %s%n", s.name().toLowerCase(
        Locale.ROOT), znodes, bytes, s.description());
    out.printf(Locale.ROOT, "ZooKeeper %s, %s; client JVM -Xmx%d MB, %d cores%n", version, where,
        Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

    String base = "/bench-" + UUID.randomUUID().toString().substring(0, 8);
    try (CuratorFramework client = connect(connectString)) {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      // Plain creates (not Curator's create2): the benchmark runs on ZooKeeper 3.4 servers too.
      PortableWrites.createWithParents(zk, base + "/source/marathon", new byte[0], OPEN_ACL_UNSAFE,
          CreateMode.PERSISTENT);
      PortableWrites.create(zk, base + "/copies", new byte[0], OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      String fence = PortableWrites.create(zk, base + "/fence", new byte[0], OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
      String state = base + "/source/marathon/state";
      List<Row> rows = new ArrayList<>();

      Timed<Baselines.Count> build = time(() -> Baselines.rawBatchedWrite(zk, state, tree.nodes(), 500, 512 * 1024, 8));
      check(build.value().nodes() == znodes, "tree build wrote " + build.value().nodes() + " of " + znodes);
      out.printf(Locale.ROOT, "built the tree in %.1f s%n", build.seconds());

      // Warm up the client JIT on every path that is measured, on a small part of the tree.
      String warm = state + "/group";
      for (int i = 0; i < 3; i++) {
        Baselines.sequentialWalk(zk, warm, Long.MAX_VALUE);
        Baselines.pipelinedWalk(zk, warm, inFlight);
        new StateSnapshotter(client).snapshot(warm, n -> { });
      }
      Baselines.aclFloor(zk, state, tree.nodes(), inFlight);

      long seqLimit = sequentialSample != null ? sequentialSample : s == Scale.SMALL ? Long.MAX_VALUE : 20_000;
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

      Timed<Baselines.Count> sequential = time(() -> Baselines.sequentialWalk(zk, state, seqLimit));
      Timed<Baselines.Count> pipelined = time(() -> Baselines.pipelinedWalk(zk, state, inFlight));
      // The snapshot/floor ratio is the one figure of this table with a target: floor and snapshot alternate, and the
      // medians are reported, so that one pause of the machine does not decide it (a small tree takes ~0.1 s).
      List<Timed<Baselines.Count>> floors = new ArrayList<>();
      List<Timed<?>> snapshots = new ArrayList<>();
      heap.resetPeak();
      for (int round = 0; round < floorRounds; round++) {
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
      Timed<Baselines.Count> aclFloor = median(floors);
      Timed<?> snapshot = median(snapshots);
      check(sequential.value().nodes() == Math.min(znodes, seqLimit)
          && (seqLimit < znodes || sequential.value().bytes() == bytes), "sequential walk read " + sequential.value());
      check(pipelined.value().nodes() == znodes && pipelined.value().bytes() == bytes,
          "pipelined walk read " + pipelined.value());
      check(aclFloor.value().nodes() == znodes, "getACL floor read " + aclFloor.value().nodes() + " ACLs");

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

      long sample = oneByOneSample != null ? oneByOneSample : s == Scale.SMALL ? Long.MAX_VALUE : 10_000;
      String oneByOnePath = base + "/copies/one-by-one/state";
      PortableWrites.create(zk, base + "/copies/one-by-one", new byte[0], OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      Timed<Baselines.Count> oneByOne = time(() -> {
        try (ArchiveReader reader = store.open(id)) {
          return Baselines.oneByOneRestore(zk, oneByOnePath, reader.nodes(), sample);
        }
      });
      Baselines.deleteTree(zk, base + "/copies/one-by-one");

      double snapRate = znodes / snapshot.seconds();
      double restoreRate = znodes / restore.seconds();
      double rawRate = raw.value().nodes() / raw.seconds();
      double oneRate = oneByOne.value().nodes() / oneByOne.seconds();
      double seqRate = sequential.value().nodes() / sequential.seconds();
      double pipeRate = znodes / pipelined.seconds();
      rows.add(new Row("snapshot: engine", snapshot.seconds(), znodes, bytes, ""));
      rows.add(new Row("  (a) sequential sync walk" + (sequential.value().nodes() < znodes
          ? " (" + String.format(Locale.ROOT, "%,d", sequential.value().nodes()) + "-node sample)" : ""),
          sequential.seconds(), sequential.value().nodes(), sequential.value().bytes(),
          ratio(snapRate / seqRate) + " engine speed-up"));
      rows.add(new Row("  (b) pipelined async calls, " + inFlight + " in flight", pipelined.seconds(), znodes,
          bytes, ratio(snapRate / pipeRate) + " engine speed-up"));
      rows.add(new Row("  (c) floor: getACL only, " + inFlight + " in flight", aclFloor.seconds(),
          znodes, 0, String.format(Locale.ROOT, "snapshot at %.2f of the floor", snapshot.seconds()
              / aclFloor.seconds())));
      rows.add(new Row("backup: snapshot + archive + fsync", backup.seconds(), znodes, bytes, ""));
      rows.add(new Row("restore: engine (from archive, fenced)", restore.seconds(), znodes, bytes, ""));
      rows.add(new Row("  (a) one create per round trip" + (oneByOne.value().nodes() < znodes
          ? " (" + String.format(Locale.ROOT, "%,d", oneByOne.value().nodes()) + "-node sample)" : ""),
          oneByOne.seconds(), oneByOne.value().nodes(), oneByOne.value().bytes(),
          ratio(restoreRate / oneRate) + " engine speed-up"));
      rows.add(new Row("  (b) raw multi() writes (" + rawShape + ")", raw.seconds(), raw.value().nodes(), raw.value().bytes(),
          String.format(Locale.ROOT, "engine at %.2f of the raw limit", restoreRate / rawRate)));
      rows.add(new Row("verify: engine (restored tree vs archive)", verify.seconds(), znodes, bytes,
          String.format(Locale.ROOT, "%.0f%% of snapshot time", 100 * verify.seconds() / snapshot.seconds())));
      out.println();
      out.printf(Locale.ROOT, "%-46s %10s %12s %9s  %s%n", "phase", "seconds", "znodes/s", "MB/s", "");
      for (Row r : rows) {
        out.printf(Locale.ROOT, "%-46s %10.2f %,12.0f %9.1f  %s%n", r.name(), r.seconds(), r.znodes() / r.seconds(),
            r.bytes() / r.seconds() / 1e6, r.note());
      }
      long peakHeap = Math.max(Math.max(heapSnapshot, heapBackup), Math.max(heapRestore, heapVerify));
      boolean underLimit = largestWrite <= JUTE_MAXBUFFER;
      out.printf(Locale.ROOT, "%npeak heap of the engine phases: %d MB (snapshot %d, backup %d, restore %d, "
              + "verify %d)%n", peakHeap, heapSnapshot, heapBackup, heapRestore, heapVerify);
      out.printf(Locale.ROOT, "largest write request (header + paths + data + ACLs, serialized): %,d bytes in %,d "
          + "requests; jute.maxbuffer %,d: %s%n", largestWrite, writeRequests, JUTE_MAXBUFFER,
          underLimit ? "every batch under it" : "EXCEEDED");

      LeaderlessBench.Result leaderless = null;
      StorageBench.Result storage = null;
      if (leaderlessRounds > 0 || s3Rounds > 0) {
        Election election = version.startsWith("3.4") ? Election.CURATOR_4_0_1 : Election.IN_PROCESS;
        try (MarathonOnTree marathon = MarathonOnTree.start(zk, connectString, base, tree, work.resolve("engine"),
            election, leaderWritesPerSecond)) {
          if (leaderlessRounds > 0) {
            leaderless = LeaderlessBench.run(marathon, leaderlessRounds, leaderWritesPerSecond);
            printLeaderless(leaderless, election);
          }
          if (s3Rounds > 0) {
            storage = s3NextToLocal(marathon, work.resolve("s3"));
            printStorage(storage);
          }
        }
      }

      Map<String, Object> json = new LinkedHashMap<>();
      json.put("scale", s.name().toLowerCase(Locale.ROOT));
      json.put("znodes", znodes);
      json.put("bytes", bytes);
      json.put("server_version", version);
      json.put("server", connect != null ? "external" : server);
      json.put("snapshot_seconds", round(snapshot.seconds()));
      json.put("snapshot_znodes_per_s", Math.round(snapRate));
      json.put("sequential_znodes_per_s", Math.round(seqRate));
      json.put("pipelined_znodes_per_s", Math.round(pipeRate));
      json.put("snapshot_vs_sequential", round(snapRate / seqRate));
      json.put("snapshot_vs_pipelined", round(snapRate / pipeRate));
      json.put("acl_floor_seconds", round(aclFloor.seconds()));
      json.put("snapshot_vs_acl_floor", round(snapshot.seconds() / aclFloor.seconds()));
      json.put("floor_rounds", floorRounds);
      json.put("backup_seconds", round(backup.seconds()));
      json.put("restore_seconds", round(restore.seconds()));
      json.put("restore_znodes_per_s", Math.round(restoreRate));
      json.put("raw_write_znodes_per_s", Math.round(rawRate));
      json.put("one_by_one_znodes_per_s", Math.round(oneRate));
      json.put("one_by_one_sample", oneByOne.value().nodes());
      json.put("sequential_sample", sequential.value().nodes());
      json.put("restore_vs_raw", round(restoreRate / rawRate));
      json.put("restore_vs_one_by_one", round(restoreRate / oneRate));
      json.put("verify_seconds", round(verify.seconds()));
      json.put("verify_vs_snapshot", round(verify.seconds() / snapshot.seconds()));
      json.put("verify_ok", verify.value().isEmpty());
      json.put("peak_heap_mb", peakHeap);
      json.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
      json.put("largest_write_request_bytes", largestWrite);
      json.put("jute_maxbuffer", JUTE_MAXBUFFER);
      json.put("writes_under_jute_maxbuffer", underLimit);
      if (leaderless != null) {
        json.put("leaderless_backup_whole_s", round(seconds(leaderless.medianWhole())));
        json.put("leaderless_backup_precopy_s", round(seconds(leaderless.medianPreCopy())));
        json.put("leaderless_precopy_vs_whole",
            round(seconds(leaderless.medianPreCopy()) / seconds(leaderless.medianWhole())));
        json.put("backup_total_whole_s", round(seconds(leaderless.medianTotalWhole())));
        json.put("backup_total_precopy_s", round(seconds(leaderless.medianTotalPreCopy())));
        json.put("backup_total_precopy_vs_whole",
            round(seconds(leaderless.medianTotalPreCopy()) / seconds(leaderless.medianTotalWhole())));
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
      out.println(new ObjectMapper().writeValueAsString(json));
      Baselines.deleteTree(zk, base);
      return underLimit ? 0 : 1;
    }
  }

  private void printLeaderless(LeaderlessBench.Result leaderless, Election election) {
    out.printf(Locale.ROOT, "%nMarathon leaderless during a fenced operation (3 simulated Marathons, %s "
        + "election, the tree in their state, a leader writing its instances; median of %d):%n",
        election == Election.CURATOR_4_0_1 ? "Curator 4.0.1" : "in-process", leaderlessRounds);
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

  /**
   * An S3 server in this process over jclouds' filesystem store in the bench's work directory: both ways write the
   * archive to the same disk, and the heap holds no object whatever the scale.
   */
  private StorageBench.Result s3NextToLocal(MarathonOnTree marathon, Path objects) throws Exception {
    Files.createDirectories(objects);
    try (EmbeddedS3 s3 = EmbeddedS3.startOnDisk(objects);
         S3Location location = new S3Location(new S3Location.Settings("bench", s3.createBucket("bench"), "bench",
             EmbeddedS3.REGION, s3.endpoint(), true, s3.accessKey(), s3.secretKey(), null, false, null, null))) {
      return new StorageBench(marathon.service(), location, marathon::awaitLeader).run(s3Rounds);
    }
  }

  private void printStorage(StorageBench.Result storage) {
    out.printf(Locale.ROOT, "%nBackup and restore through S3 next to the backup directory (the same Marathons and "
        + "tree; s3proxy in this process on loopback, objects on the same disk; median of %d):%n", s3Rounds);
    out.printf(Locale.ROOT, "  backup   local %6.2f s %s   S3 %6.2f s %s   S3/local %.2f%n",
        seconds(storage.medianLocalBackup()), secondsList(storage.localBackup()),
        seconds(storage.medianLocationBackup()), secondsList(storage.locationBackup()),
        seconds(storage.medianLocationBackup()) / seconds(storage.medianLocalBackup()));
    out.printf(Locale.ROOT, "  restore  local %6.2f s %s   S3 %6.2f s %s   S3/local %.2f%n",
        seconds(storage.medianLocalRestore()), secondsList(storage.localRestore()),
        seconds(storage.medianLocationRestore()), secondsList(storage.locationRestore()),
        seconds(storage.medianLocationRestore()) / seconds(storage.medianLocalRestore()));
  }

  private static CuratorFramework connect(String connectString) throws Exception {
    ZKClientConfig config = new ZKClientConfig();
    // Like ZkConnector: a reply (a wide node's children list) may exceed 1 MB; requests stay bounded by the server.
    config.setProperty(ZKClientConfig.JUTE_MAXBUFFER, Integer.toString(64 * 1024 * 1024));
    ZookeeperFactory factory = new ZookeeperFactory() {
      @Override
      public ZooKeeper newZooKeeper(String cs, int timeout, Watcher watcher, boolean readOnly) throws Exception {
        return new AuditedZooKeeper(cs, timeout, watcher, readOnly, config);
      }

      @Override
      public ZooKeeper newZooKeeper(String cs, int timeout, Watcher watcher, boolean readOnly, ZKClientConfig c)
          throws Exception {
        return new AuditedZooKeeper(cs, timeout, watcher, readOnly, config);
      }
    };
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(60_000)
        .connectionTimeoutMs(15_000)
        .retryPolicy(new ExponentialBackoffRetry(250, 5))
        .zkClientConfig(config)
        .zookeeperFactory(factory)
        .ensembleTracker(false)
        .authorization("digest", MarathonTree.DIGEST_USER.getBytes(UTF_8))
        .aclProvider(new org.apache.curator.framework.api.ACLProvider() {
          @Override
          public List<org.apache.zookeeper.data.ACL> getDefaultAcl() {
            return ZooDefs.Ids.OPEN_ACL_UNSAFE;
          }

          @Override
          public List<org.apache.zookeeper.data.ACL> getAclForPath(String path) {
            return ZooDefs.Ids.OPEN_ACL_UNSAFE;
          }
        })
        .build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("cannot connect to ZooKeeper at " + connectString);
    }
    return client;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  private static String secondsList(List<Duration> runs) {
    return runs.stream().map(d -> String.format(Locale.ROOT, "%.2f", seconds(d))).toList().toString();
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String ratio(double r) {
    return String.format(Locale.ROOT, "%.1fx", r);
  }

  private record Row(String name, double seconds, long znodes, long bytes, String note) {}

  private record Timed<T>(T value, double seconds) {}

  /** The measurement of median time (the upper one of an even count). */
  private static <T extends Timed<?>> T median(List<T> timed) {
    List<T> sorted = new ArrayList<>(timed);
    sorted.sort(java.util.Comparator.comparingDouble(Timed::seconds));
    return sorted.get(sorted.size() / 2);
  }

  private static <T> Timed<T> time(Callable<T> work) throws Exception {
    System.gc();
    long start = System.nanoTime();
    T value = work.call();
    return new Timed<>(value, (System.nanoTime() - start) / 1e9);
  }

  /** Samples used heap every 10 ms: the peak of a phase, not a sum of pool peaks taken at different times. */
  private static final class HeapSampler {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private volatile long peak;
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::loop, "bench-heap-sampler");

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      while (running) {
        long used = memory.getHeapMemoryUsage().getUsed();
        if (used > peak) {
          peak = used;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void resetPeak() {
      peak = memory.getHeapMemoryUsage().getUsed();
    }

    long peakMb() {
      return Math.max(peak, memory.getHeapMemoryUsage().getUsed()) >> 20;
    }

    void stop() {
      running = false;
      thread.interrupt();
    }
  }
}
