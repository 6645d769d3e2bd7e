package io.dcos.backup.reconciler;

import io.dcos.backup.control.OperationMetrics;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.OperationQueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a Backup while its operation is queued or running. The finalizer goes only once the operation cannot run
 * any more: a queued one is cancelled (it never starts), a running one is waited for. The decision rests on what
 * the queue's forget() did, in one step: a queued backup that starts between two questions would otherwise keep
 * running without its finalizer, and its archive would come back through archive recovery.
 */
class BackupCleanupTest {
  @TempDir Path backups;
  private OperationQueue queue;
  private BackupService unreachable;
  private BackupReconciler reconciler;
  private KubernetesClient client;

  @BeforeEach
  void setUp() throws Exception {
    client = SharedWorld.get().client();
    queue = new OperationQueue(Clock.systemUTC());
    unreachable = new BackupService(TargetConfig.of(ZkTarget.parse("zk://127.0.0.1:1/marathon"),
        URI.create("http://127.0.0.1:1"), MarathonCredentials.none(), backups));
    reconciler = new BackupReconciler(unreachable, queue, new EventRecorder(client, Clock.systemUTC()),
        OperationMetrics.discarding(), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    queue.close();
    unreachable.close();
  }

  @Test
  void aRunningBackupKeepsItsFinalizerUntilItsOperationEnds() throws Exception {
    Backup backup = backup("running");
    String key = BackupReconciler.operationKey(backup);
    CountDownLatch release = new CountDownLatch(1);
    queue.submit(key, "the backup itself", progress -> {
      release.await();
      return null;
    }, () -> { });
    await().atMost(Duration.ofSeconds(10)).until(() -> queue.isRunning(key));

    DeleteControl whileRunning = reconciler.cleanup(backup, context());
    assertThat(whileRunning.isRemoveFinalizer()).isFalse();
    assertThat(whileRunning.getScheduleDelay()).hasValue(BackupReconciler.WAIT_WHILE_IN_USE.toMillis());
    assertThat(queue.get(key)).as("a running operation cannot be taken back").isPresent();

    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> queue.get(key).orElseThrow().isFinished());
    DeleteControl afterwards = reconciler.cleanup(backup, context());
    assertThat(afterwards.isRemoveFinalizer()).isTrue();
    assertThat(queue.get(key)).as("the finished operation is dropped").isEmpty();
  }

  @Test
  void aQueuedBackupIsCancelledAndNeverRuns() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    queue.submit("test/gate", "test gate", progress -> {
      gate.await();
      return null;
    }, () -> { });
    Backup backup = backup("queued");
    String key = BackupReconciler.operationKey(backup);
    AtomicBoolean ran = new AtomicBoolean();
    queue.submit(key, "the backup itself", progress -> {
      ran.set(true);
      return null;
    }, () -> { });

    DeleteControl control = reconciler.cleanup(backup, context());
    assertThat(control.isRemoveFinalizer()).isTrue();
    assertThat(queue.get(key)).isEmpty();

    gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> queue.get("test/gate").orElseThrow().isFinished());
    Thread.sleep(200);
    assertThat(ran).as("a cancelled backup never starts").isFalse();
  }

  private static Backup backup(String name) {
    Backup backup = new Backup();
    backup.getMetadata().setName(name);
    backup.getMetadata().setNamespace("default"); // exists and is not being deleted
    backup.getMetadata().setUid("uid-" + name + "-" + System.nanoTime());
    backup.setSpec(new BackupSpec("cleanup"));
    return backup;
  }

  /** Only the client: what cleanup reads the Backup's namespace with. */
  @SuppressWarnings("unchecked")
  private Context<Backup> context() {
    return (Context<Backup>) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getClient")) {
            return client;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}
