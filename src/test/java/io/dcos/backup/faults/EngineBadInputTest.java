package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.OperationFailedException;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZkTarget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Issue 3, item 8 at engine level: awkward but legal state round-trips; bad configuration fails clearly. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineBadInputTest {
  @TempDir
  static Path dir;
  @RegisterExtension
  static final FaultWorld world = FaultWorld.perClass();

  /** The largest data a plain create of {@code path} is accepted with, found against the real server. */
  private int largestAcceptedData(String path) throws Exception {
    int lo = 1_000_000;
    int hi = 1_048_576;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (creates(path, mid)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private boolean creates(String path, int size) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(world.directConnect, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
      zk.create(path, new byte[size], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      zk.delete(path, -1);
      return true;
    } catch (KeeperException.ConnectionLossException e) {
      return false; // the server drops a request above jute.maxbuffer
    } finally {
      zk.close();
    }
  }

  @Test
  void largestZnodeWideNodeAndOddNamesRoundTrip() throws Exception {
    String maxPath = FaultWorld.STATE + "/pods/0/max-size";
    int max = largestAcceptedData(maxPath);
    assertThat(max).isBetween(1_040_000, 1_048_575);
    assertThat(creates(maxPath, max + 1)).isFalse();

    List<ZNode> tree = new ArrayList<>(world.tree(5, 200, 2));
    byte[] big = new byte[max];
    new java.util.Random(1).nextBytes(big);
    tree.add(new ZNode("/pods/0/max-size", big, ZooDefs.Ids.OPEN_ACL_UNSAFE));
    // 10,000 children with long names: one getChildren reply of ~1.2 MB, more than jute.maxbuffer.
    tree.add(new ZNode("/wide", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE));
    String pad = "x".repeat(110);
    for (int i = 0; i < 10_050; i++) {
      tree.add(new ZNode("/wide/" + pad + "-" + i, i % 7 == 0 ? null : new byte[] {(byte) i},
          ZooDefs.Ids.OPEN_ACL_UNSAFE));
    }
    for (String name : List.of("with space", " leading", "trailing ", "ünïcödé", "名前-ĳ", "dots..x",
        "a:b=c,d")) {
      tree.add(new ZNode("/pods/1/" + name, name.getBytes(StandardCharsets.UTF_8),
          ZooDefs.Ids.OPEN_ACL_UNSAFE));
      tree.add(new ZNode("/pods/1/" + name + "/child " + name, null, ZooDefs.Ids.READ_ACL_UNSAFE));
    }
    world.put(tree);
    List<String> wanted = world.liveFingerprint();
    assertThat(wanted).hasSizeGreaterThan(10_300);

    world.service.backup("awkward", "awkward", world.progress::add);
    world.put(world.tree(6, 100, 0));
    world.service.restore("awkward", "safety-awkward", world.progress::add);
    assertThat(world.liveFingerprint()).isEqualTo(wanted);
  }

  @Test
  void missingStateNodeFailsClearlyAndTouchesNothing() throws Exception {
    world.awaitElected(Duration.ofSeconds(20));
    List<String> stamps = world.stamps();
    int elections = world.sim.elections();
    TargetConfig wrong = new TargetConfig(ZkTarget.parse("zk://" + world.proxy().connectString() + "/not-marathon"),
        world.sim.anyUrl(), MarathonCredentials.none(), dir.resolve("wrong"), FaultWorld.FENCE, Duration.ofSeconds(10),
        Duration.ofSeconds(10), Duration.ofSeconds(5));
    try (BackupService service = new BackupService(wrong)) {
      assertThatThrownBy(() -> service.backup("wrong-path", "wrong", s -> { }))
          .isInstanceOf(OperationFailedException.class)
          .hasMessageContaining("/not-marathon/state does not exist")
          .hasMessageContaining("--zk");
      assertThat(service.archives()).isEmpty();
      world.service.backup("for-wrong-restore", "okay", world.progress::add);
    }
    try (BackupService service = new BackupService(new TargetConfig(wrong.zookeeper(), wrong.marathonUrl(),
        wrong.marathonCredentials(), world.service.store().directory(), wrong.fence(), wrong.zkSessionTimeout(),
        wrong.zkConnectTimeout(), wrong.marathonRequestTimeout()))) {
      assertThatThrownBy(() -> service.restore("for-wrong-restore", "safety-wrong", s -> { }))
          .isInstanceOf(OperationFailedException.class)
          .hasMessageContaining("/not-marathon/state does not exist");
      assertThat(service.archive("safety-wrong")).isEmpty();
    }
    assertThat(world.admin.checkExists().forPath("/not-marathon/state")).isNull();
    assertThat(world.stamps()).isNotEmpty();
    world.awaitElected(Duration.ofSeconds(20));
  }

  @Test
  void fullBackupDiskFailsClearlyLeavesNoPartialArchiveAndTouchesNothing() throws Exception {
    Path small = dir.resolve("small-disk");
    Files.createDirectories(small);
    // A 1 MB tmpfs (needs CAP_SYS_ADMIN, as root in a container): the only portable way to get a real ENOSPC.
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here");
    try {
      world.put(world.tree(7, 400, 20)); // ~2 MB of data
      world.awaitElected(Duration.ofSeconds(20));
      List<String> stamps = world.stamps();
      TargetConfig full = new TargetConfig(world.service.config().zookeeper(), world.sim.anyUrl(),
          MarathonCredentials.none(), small, FaultWorld.FENCE, Duration.ofSeconds(10), Duration.ofSeconds(10),
          Duration.ofSeconds(5));
      try (BackupService service = new BackupService(full)) {
        assertThatThrownBy(() -> service.backup("too-big", "full", s -> { }))
            .isInstanceOf(OperationFailedException.class)
            .hasMessageStartingWith("backup failed: ")
            .hasMessageContaining("No space left on device");
        try (Stream<Path> files = Files.list(small)) {
          assertThat(files).as("no partial archive, no temp file").isEmpty();
        }
        assertThat(service.archives()).isEmpty();
      }
      assertThat(world.stamps()).as("live state untouched").isEqualTo(stamps);
      world.awaitElected(Duration.ofSeconds(20));
    } finally {
      new ProcessBuilder("umount", small.toString()).start().waitFor();
    }
  }
}
