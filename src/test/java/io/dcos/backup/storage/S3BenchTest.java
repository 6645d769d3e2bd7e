package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.LocatedArchives;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.S3Location;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Backup and restore times of one tree through the backup directory and through an S3 location, in one run: the
 * same engine (fence, snapshot, verification, restore and its read-back), plus the upload or the verified download.
 * s3proxy keeps objects in memory on loopback, so the S3 figures show the cost of the extra copy and checks, not of
 * a network. Printed as "S3 vs local".
 */
@Tag("slow")
class S3BenchTest {
  private static final int NODES = 5_000;
  private static final int NODE_BYTES = 4 * 1024;

  @Test
  void backupAndRestoreTimesThroughS3NextToTheBackupDirectory() throws Exception {
    EmbeddedS3 s3 = SharedWorld.s3();
    String bucket = s3.createBucket("bench");
    try (EmbeddedWorld world = SharedWorld.builder(1, "s3-bench").withOperator(false).withKubernetes(false).start();
         S3Location location = new S3Location(new S3Location.Settings("bench", bucket, "bench", "us-east-1",
             s3.endpoint(), true, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, null, false, null, null));
         CuratorFramework zk = CuratorFrameworkFactory.newClient(world.zookeeper().connectString(),
             new ExponentialBackoffRetry(200, 5))) {
      zk.start();
      zk.blockUntilConnected();
      String root = world.zookeeper().statePath() + "/bench";
      zk.create().creatingParentsIfNeeded().forPath(root);
      Random random = new Random(3);
      for (int batch = 0; batch < NODES / 100; batch++) {
        java.util.List<CuratorOp> ops = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
          byte[] data = new byte[NODE_BYTES];
          random.nextBytes(data);
          ops.add(zk.transactionOp().create().forPath(root + "/n" + (batch * 100 + i), data));
        }
        zk.transaction().forOperations(ops);
      }
      BackupService service = world.service();
      LocatedArchives located = new LocatedArchives(service);

      String localId = BackupLabels.backupIdFor("bench-local", UUID.randomUUID().toString());
      long t0 = System.nanoTime();
      BackupOutcome local = service.backup(localId, "bench-local", BackupService.BackupOptions.FENCED,
          ProgressListener.NONE);
      long t1 = System.nanoTime();
      RestoreOutcome localRestore = service.restore(localId, safety(), BackupService.RestoreOptions.DEFAULT,
          ProgressListener.NONE);
      long t2 = System.nanoTime();

      String s3Id = BackupLabels.backupIdFor("bench-s3", UUID.randomUUID().toString());
      BackupOutcome remote = located.backup(location, s3Id, "bench-s3", BackupService.BackupOptions.FENCED,
          ProgressListener.NONE);
      long t3 = System.nanoTime();
      RestoreOutcome remoteRestore = located.restore(location, s3Id, safety(), BackupService.RestoreOptions.DEFAULT,
          ProgressListener.NONE);
      long t4 = System.nanoTime();

      assertThat(remote.manifest().znodes()).isEqualTo(local.manifest().znodes()).isGreaterThan(NODES);
      // (Not the same SHA-256: Marathon writes a few nodes of its own when it restarts after each operation.)
      assertThat(remoteRestore.znodes()).isEqualTo(localRestore.znodes());
      assertThat(service.archive(s3Id)).as("no local copy left").isEmpty();
      System.out.printf("S3 vs local, %d znodes, %d bytes: backup local %d ms, S3 %d ms; restore local %d ms, S3 %d "
          + "ms%n", local.manifest().znodes(), local.manifest().bytes(), ms(t1 - t0), ms(t3 - t2), ms(t2 - t1),
          ms(t4 - t3));
    }
  }

  private static String safety() {
    return BackupLabels.backupIdFor(BackupService.SAFETY_LABEL, UUID.randomUUID().toString());
  }

  private static long ms(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }
}
