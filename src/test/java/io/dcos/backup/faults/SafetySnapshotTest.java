package io.dcos.backup.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.store.ArchiveReader;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A restore's safety snapshot is a fenced backup of the live state, most of it copied while Marathon still runs: with
 * writes going on until the fence, it must hold exactly the state at the fence point, the state a rollback returns to.
 */
class SafetySnapshotTest {
  @RegisterExtension
  static final FaultWorld world = FaultWorld.perClass();

  @Test
  void theSafetySnapshotOfABusyMarathonIsTheStateAtTheFencePoint() throws Exception {
    world.put(world.tree(3, 2000, 5));
    world.service.backup("backup-b", "backup", world.progress::add);
    world.awaitElected(Duration.ofSeconds(20));
    world.put(world.tree(4, 2500, 5));
    List<String> beforeTheRestore = world.liveFingerprint();

    List<String> said = new CopyOnWriteArrayList<>();
    AtomicReference<List<String>> atTheFencePoint = new AtomicReference<>();
    Writer writer = new Writer(new Random(7));
    writer.start();
    world.service.restore("backup-b", "safety-busy", message -> {
      said.add(message);
      if (message.startsWith("restarting Marathon")) {
        writer.finish(); // the pre-copy's online pass is over: from here on only the fence point counts
      }
      // Said under the fence, after the safety snapshot and before the restore's first write.
      if (message.startsWith("writing ") && atTheFencePoint.get() == null) {
        try {
          atTheFencePoint.set(world.liveFingerprint());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });

    writer.finish();
    assertThat(writer.writes).as("writes during the online pass").isGreaterThan(20);
    assertThat(said).anyMatch(m -> m.startsWith("state at the fence point known: "));
    assertThat(atTheFencePoint.get()).isNotEqualTo(beforeTheRestore);
    assertThat(archived("safety-busy")).isEqualTo(atTheFencePoint.get());
  }

  /** Changes, deletes and re-creates nodes below pods/ until told to finish. */
  private static final class Writer extends Thread {
    private final Random random;
    private volatile boolean finished;
    volatile int writes;

    Writer(Random random) {
      super("safety-snapshot-writer");
      this.random = random;
    }

    @Override
    public void run() {
      while (!finished) {
        String node = FaultWorld.STATE + "/pods/" + Integer.toHexString(random.nextInt(16)) + "/written-"
            + random.nextInt(40);
        byte[] data = ("write " + writes).getBytes(StandardCharsets.UTF_8);
        try {
          if (world.admin.checkExists().forPath(node) == null) {
            world.admin.create().forPath(node, data);
          } else if (random.nextBoolean()) {
            world.admin.setData().forPath(node, data);
          } else {
            world.admin.delete().forPath(node);
          }
          writes++;
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    void finish() {
      finished = true;
      try {
        join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static List<String> archived(String id) throws Exception {
    List<FaultWorld.Node> nodes = new ArrayList<>();
    try (ArchiveReader reader = world.service.store().open(id)) {
      for (Iterator<ZNode> it = reader.nodes(); it.hasNext(); ) {
        ZNode n = it.next();
        nodes.add(new FaultWorld.Node(n.relativePath(), n.data(), n.acl()));
      }
    }
    return FaultWorld.fingerprint(nodes);
  }
}
