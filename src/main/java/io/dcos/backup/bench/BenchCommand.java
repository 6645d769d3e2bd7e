package io.dcos.backup.bench;

import io.dcos.backup.bench.MarathonTree.Scale;
import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.simulator.Election;
import io.dcos.backup.store.S3Location;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the engine's snapshot, restore and verification against the peers' ways of doing the same, side by
 * side in one run on one Marathon-shaped tree in a real ZooKeeper server. Prints a table, then one JSON line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure snapshot, restore and verification against sequential and pipelined baselines.")
public final class BenchCommand implements Callable<Integer> {
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
      + "medians give snapshot/floor. Default: 25 at small scale, 3 above (a small tree is read in ~0.15 s: one "
      + "pause of the machine must not decide the median)")
  Integer floorRounds;

  @Option(names = "--leaderless-rounds", description = "Fenced backups of each kind (pre-copy, whole snapshot under "
      + "the fence) whose Marathon leaderless time is measured, with 3 simulated Marathons on the same tree; 0 skips "
      + "them. Default: 9 at small scale, 3 at medium, 2 above")
  Integer leaderlessRounds;

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
    Scale s = Scale.valueOf(scale.toUpperCase(Locale.ROOT));
    if (floorRounds == null) {
      floorRounds = s == Scale.SMALL ? 25 : 3;
    }
    if (leaderlessRounds == null) {
      leaderlessRounds = s == Scale.SMALL ? 9 : s == Scale.MEDIUM ? 3 : 2;
    }
    if (floorRounds < 1) {
      System.err.println("--floor-rounds must be at least 1");
      return 2;
    }
    if (leaderWritesPerSecond < 0 || leaderWritesPerSecond > 1000) {
      System.err.println("--leader-writes-per-second must be between 0 and 1000");
      return 2;
    }
    MarathonTree tree = new MarathonTree(s);
    HeapSampler heap = new HeapSampler();
    heap.start();
    Path work = Files.createTempDirectory("marathon-bench");
    try (BenchServer zookeeper = BenchServer.start(connect, server, serverHeap, s)) {
      return run(tree, heap, work, zookeeper);
    } finally {
      heap.stop();
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private int run(MarathonTree tree, HeapSampler heap, Path work, BenchServer zookeeper) throws Exception {
    Scale s = tree.scale();
    long[] shape = tree.measure();
    long znodes = shape[0];
    long bytes = shape[1];
    out.printf(Locale.ROOT, "Marathon-shaped tree (%s): %,d znodes, %,d data bytes: %s%n", s.name().toLowerCase(
        Locale.ROOT), znodes, bytes, s.description());
    out.printf(Locale.ROOT, "ZooKeeper %s, %s; client JVM -Xmx%d MB, %d cores%n", zookeeper.version(),
        zookeeper.where(), Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

    String base = "/bench-" + UUID.randomUUID().toString().substring(0, 8);
    try (CuratorFramework client = BenchClient.connect(zookeeper.connectString())) {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      EngineFigures engine = new EngineBench(client, tree, heap, out, new EngineBench.Settings(inFlight, floorRounds,
          sequentialSample, oneByOneSample)).run(base, work, zookeeper.connectString(), znodes, bytes);
      BenchTable table = new BenchTable(out);
      table.printEngine(engine, inFlight);

      LeaderlessBench.Result leaderless = null;
      StorageBench.Result storage = null;
      if (leaderlessRounds > 0 || s3Rounds > 0) {
        Election election = zookeeper.version().startsWith("3.4") ? Election.CURATOR_4_0_1 : Election.IN_PROCESS;
        try (MarathonOnTree marathon = MarathonOnTree.start(zk, zookeeper.connectString(), base, tree,
            work.resolve("engine"), election, leaderWritesPerSecond)) {
          if (leaderlessRounds > 0) {
            leaderless = LeaderlessBench.run(marathon, leaderlessRounds, leaderWritesPerSecond);
            table.printLeaderless(leaderless, election, leaderlessRounds);
          }
          if (s3Rounds > 0) {
            storage = s3NextToLocal(marathon, work.resolve("s3"));
            table.printStorage(storage, s3Rounds);
          }
        }
      }
      out.println(BenchJson.line(s.name().toLowerCase(Locale.ROOT), zookeeper.version(),
          connect != null ? "external" : server, floorRounds, engine, leaderless, storage));
      Baselines.deleteTree(zk, base);
      return engine.writesUnderJuteMaxbuffer() ? 0 : 1;
    }
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
}
