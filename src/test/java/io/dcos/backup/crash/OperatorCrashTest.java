package io.dcos.backup.crash;

import static io.dcos.backup.crash.CrashSupport.assertEveryArchiveVerifies;
import static io.dcos.backup.crash.CrashSupport.awaitMarathonLeader;
import static io.dcos.backup.crash.CrashSupport.awaitTerminal;
import static io.dcos.backup.crash.CrashSupport.message;
import static io.dcos.backup.crash.CrashSupport.phase;
import static io.dcos.backup.crash.CrashSupport.tempFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.testing.Closer;
import io.dcos.backup.zookeeper.ZkConnector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, item 4: the operator (a child JVM) is killed with SIGKILL at each stage of a backup and of a restore, then
 * started again. Every object ends within a bounded time; no temp file remains; every archive in the store is complete
 * and verifies; Marathon has a leader again; a restore killed at any point ends with the state exactly as the backup.
 * Each operator is held at the stage it is to be killed at ({@link PauseAtStage}): a fenced stage of a pre-copied
 * operation can be over before its status update arrives.
 *
 * <p>"Exactly" is checked on a ballast subtree under {@code state/} that the Marathon simulator never writes: A when
 * the backup was taken, B (every value changed, extra nodes) just before the restore. After the restore it must be all
 * A (resumed) or all B (rolled back), never a mix.
 */
@Tag("slow")
class OperatorCrashTest {
  private static final Duration BOUND = Duration.ofSeconds(120);
  private static final int BALLAST_NODES = 3000;
  private static final int BALLAST_EXTRA = 100;

  @TempDir
  static Path work;
  private static EmbeddedWorld world;
  private static KubernetesClient client;
  private static CuratorFramework zk;
  private static String ballast;
  private static ChildOperator operator;
  private static int starts;

  @RegisterExtension
  static final Closer CLOSER = new Closer();

  @BeforeAll
  static void startWorld() throws Exception {
    world = CLOSER.add(SharedWorld.builder(3, work.resolve("backups")).withOperator(false).start());
    client = world.client();
    zk = CLOSER.add(ZkConnector.connect(world.zookeeper(), Duration.ofSeconds(30), Duration.ofSeconds(15)));
    CLOSER.add(() -> {
      if (operator != null) {
        operator.close();
      }
    });
    ballast = world.zookeeper().statePath() + "/crash-test-ballast";
    awaitMarathonLeader(world.marathonUrl(), MarathonCredentials.none(), BOUND);
  }

  @Test
  void killedAtEachStageTheOperatorResumesAndLeavesNothingHalfDone(TestInfo info) throws Exception {
    String ns = CrashSupport.createNamespace(client, "crash");
    writeBallast("A", BALLAST_NODES);
    Map<String, String> ballastA = readBallast();
    // The pre-copy while Marathon runs, the fence, the release (the pre-copy's archive is written after it).
    List<String> backupStages = List.of("^copying ", "^restarting Marathon", "^waiting for Marathon to elect");
    // Under the fence: before the safety snapshot is saved, after it is saved and before the first write, after the
    // difference is written and before it is verified and committed (the state guarded and mixed); then the release.
    List<String> restoreStages = List.of("^taking safety snapshot", "^writing \\d+ znodes of ",
        "^wrote \\d+ znodes and deleted", "^waiting for Marathon to elect");
    List<String> victims = new ArrayList<>();
    List<String> stages = new ArrayList<>();
    for (int i = 0; i < backupStages.size(); i++) {
      victims.add("Backup/" + ns + "/killed-" + i);
      stages.add(backupStages.get(i));
    }
    for (int i = 0; i < restoreStages.size(); i++) {
      victims.add("Restore/" + ns + "/killed-restore-" + i);
      stages.add(restoreStages.get(i));
    }
    // Each operator is killed at the next object's stage, and the next one resumes what it was doing.
    startOperator(victims.get(0), stages.get(0));

    List<String> report = new ArrayList<>();
    String backupOfA = null;
    int kills = 0;
    for (int i = 0; i < backupStages.size(); i++) {
      String name = "killed-" + i;
      client.resource(CrashSupport.backup(ns, name, "crash-" + i)).create();
      String killedAt = killWhen(Backup.class, ns, name, backupStages.get(i));
      assertEveryArchiveVerifies(world.backupDirectory());
      kills++;
      startOperator(victims.get(kills), stages.get(kills));
      Backup ended = awaitTerminal(client, Backup.class, ns, name, BOUND);
      report.add("backup killed at \"" + killedAt + "\" -> " + phase(ended) + ": " + message(ended));
      assertThat(phase(ended)).as("backup resumed after a kill at %s: %s", killedAt, message(ended))
          .isEqualTo(Phase.STATUS_READY);
      var manifest = new ArchiveStore(world.backupDirectory()).verify(ended.getStatus().id());
      assertThat(manifest.sha256()).isEqualTo(ended.getStatus().sha256());
      assertThat(manifest.znodes()).isEqualTo(ended.getStatus().znodes());
      assertNothingLeftBehind();
      backupOfA = ended.getStatus().id();
    }

    for (int i = 0; i < restoreStages.size(); i++) {
      writeBallast("B" + i, BALLAST_NODES + BALLAST_EXTRA);
      Map<String, String> ballastB = readBallast();
      String name = "killed-restore-" + i;
      client.resource(CrashSupport.restore(ns, name, backupOfA)).create();
      String killedAt = killWhen(Restore.class, ns, name, restoreStages.get(i));
      assertEveryArchiveVerifies(world.backupDirectory());
      kills++;
      if (kills < victims.size()) {
        startOperator(victims.get(kills), stages.get(kills));
      } else {
        operator = ChildOperator.start(world, work, "operator-" + (++starts), Map.of());
      }
      Restore ended = awaitTerminal(client, Restore.class, ns, name, BOUND);
      report.add("restore killed at \"" + killedAt + "\" -> " + phase(ended) + ": " + message(ended));
      awaitMarathonLeader(world.marathonUrl(), MarathonCredentials.none(), BOUND);
      Map<String, String> after = readBallast();
      if (phase(ended) == Phase.STATUS_READY) {
        assertThat(after).as("restore resumed after a kill at %s: state exactly as the backup", killedAt)
            .isEqualTo(ballastA);
      } else {
        assertThat(after).as("restore failed after a kill at %s (%s): state exactly as before", killedAt,
            message(ended)).isEqualTo(ballastB);
      }
      assertThat(phase(ended)).as("restore resumed after a kill at %s: %s", killedAt, message(ended))
          .isEqualTo(Phase.STATUS_READY);
      assertNothingLeftBehind();
    }
    System.out.println(info.getDisplayName() + ":\n  " + String.join("\n  ", report));
  }

  /** An operator that stands still at stage of victim (Kind/namespace/name) until it is killed. */
  private static void startOperator(String victim, String stage) throws Exception {
    operator = ChildOperator.startPausingAt(world, work, "operator-" + (++starts), victim, stage);
  }

  private static void assertNothingLeftBehind() throws Exception {
    assertThat(tempFiles(world.backupDirectory())).as("temp files after the resumed operation").isEmpty();
    assertEveryArchiveVerifies(world.backupDirectory());
    awaitMarathonLeader(world.marathonUrl(), MarathonCredentials.none(), BOUND);
  }

  /** SIGKILLs the operator as soon as the object's status message shows stage (a regex); returns that message. */
  private static <T extends HasMetadata> String killWhen(Class<T> type, String ns, String name, String stage)
      throws Exception {
    AtomicReference<String> killedAt = new AtomicReference<>();
    AtomicReference<String> endedFirst = new AtomicReference<>();
    ChildOperator victim = operator;
    Pattern stagePattern = Pattern.compile(stage);
    Watcher<T> watcher = new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        String message = message(object);
        if (killedAt.get() == null && message != null && stagePattern.matcher(message).find()) {
          try {
            victim.kill();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          killedAt.set(message);
        } else if (phase(object) != null && phase(object).isTerminal()) {
          endedFirst.set(phase(object) + ": " + message);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
    try (Watch ignored = client.resources(type).inNamespace(ns).withName(name).watch(watcher)) {
      await().atMost(BOUND).pollInterval(Duration.ofMillis(20))
          .until(() -> killedAt.get() != null || endedFirst.get() != null);
    }
    assertThat(killedAt.get()).as("%s %s never reached stage \"%s\" (ended %s); operator output:\n%s",
        type.getSimpleName(), name, stage, endedFirst.get(), victim.output()).isNotNull();
    assertThat(victim.isAlive()).isFalse();
    return killedAt.get();
  }

  /** The ballast: count nodes under state/, each with a value of ~400 bytes naming the version. */
  private static void writeBallast(String version, int count) throws Exception {
    try {
      zk.delete().deletingChildrenIfNeeded().forPath(ballast);
    } catch (KeeperException.NoNodeException ignored) {
      // first time
    }
    zk.create().forPath(ballast, version.getBytes(StandardCharsets.UTF_8));
    List<CuratorOp> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String value = (version + ":" + i + ":").repeat(40);
      batch.add(zk.transactionOp().create().forPath(ballast + "/node-" + i, value.getBytes(StandardCharsets.UTF_8)));
      if (batch.size() == 500 || i == count - 1) {
        zk.transaction().forOperations(batch);
        batch.clear();
      }
    }
  }

  private static Map<String, String> readBallast() throws Exception {
    zk.sync().forPath(ballast);
    Map<String, String> values = new TreeMap<>();
    values.put("", new String(zk.getData().forPath(ballast), StandardCharsets.UTF_8));
    for (String child : zk.getChildren().forPath(ballast)) {
      values.put(child, new String(zk.getData().forPath(ballast + "/" + child), StandardCharsets.UTF_8));
    }
    return values;
  }
}
