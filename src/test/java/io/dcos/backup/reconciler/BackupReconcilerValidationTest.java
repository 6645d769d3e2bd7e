package io.dcos.backup.reconciler;

import io.dcos.backup.control.OperationMetrics;
import io.dcos.backup.control.EventRecorder;
import io.dcos.backup.control.StatusWriter;
import io.dcos.backup.control.OperationQueue;
import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Condition;
import io.dcos.backup.api.Phase;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.TargetConfig;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.zookeeper.ZkTarget;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator validates labels itself, whatever the API server let through (an API server without the CRD's
 * validation, an old CRD): a bad label ends STATUS_ERROR with the reason, and nothing is queued or touched.
 */
class BackupReconcilerValidationTest {
  @TempDir Path backups;
  private OperationQueue queue;
  private BackupService unreachable;
  private BackupReconciler reconciler;
  private final AtomicInteger statusWrites = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    queue = new OperationQueue(Clock.systemUTC());
    // Nothing listens there: a reconciler that tried to back up would fail, not silently pass.
    unreachable = new BackupService(TargetConfig.of(ZkTarget.parse("zk://127.0.0.1:1/marathon"),
        URI.create("http://127.0.0.1:1"), MarathonCredentials.none(), backups));
    Clock clock = Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC);
    reconciler = new BackupReconciler(unreachable, queue, new EventRecorder(SharedWorld.get().client(), clock),
        OperationMetrics.discarding(), clock, new StatusWriter() {
          @Override
          public <P extends HasMetadata> void write(Context<P> context, P resource) {
            statusWrites.incrementAndGet();
          }
        });
  }

  @AfterEach
  void tearDown() {
    queue.close();
    unreachable.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "01234567890123456789012345", "..x", "a/b", "ünïcode", "", ".abc", "-abc", "a.bc",
      "a-bc"})
  void invalidLabelEndsInErrorWithTheReason(String label) throws Exception {
    Backup backup = new Backup();
    backup.getMetadata().setName("bad");
    backup.getMetadata().setNamespace("validation");
    backup.getMetadata().setUid("uid-" + label.hashCode());
    backup.getMetadata().setGeneration(1L);
    backup.setSpec(new BackupSpec(label));

    var control = reconciler.reconcile(backup, null);

    assertThat(statusWrites).hasValue(1);
    var status = backup.getStatus();
    assertThat(status.phase()).isEqualTo(Phase.STATUS_ERROR);
    assertThat(status.message()).startsWith("invalid backup: ").contains("label");
    assertThat(status.id()).isNull();
    assertThat(status.observedGeneration()).isEqualTo(1L);
    assertThat(status.conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo(Condition.FAILED);
      assertThat(c.status()).isEqualTo(Condition.TRUE);
      assertThat(c.reason()).isEqualTo("InvalidLabel");
    });
    assertThat(queue.get(BackupReconciler.operationKey(backup))).isEmpty();
    assertThat(control.getScheduleDelay()).isEmpty();

    var again = reconciler.reconcile(backup, null);
    assertThat(again.isNoUpdate()).as("a terminal Backup is not run or re-written again").isTrue();
    assertThat(statusWrites).hasValue(1);
  }
}
