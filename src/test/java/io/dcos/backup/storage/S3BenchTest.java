package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.bench.StorageBench;
import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.S3Location;
import java.time.Duration;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Backup and restore times of one tree through the backup directory and through an S3 location, in one run, with the
 * bench's own code ({@link StorageBench}, which checks that both carried the same tree and that no local copy is
 * left after an upload). s3proxy keeps objects in memory on loopback, so the S3 figures show the cost of the extra
 * copy and checks, not of a network. Printed as "S3 vs local".
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
      StorageBench.Result result = new StorageBench(world.service(), location, () -> awaitLeader(world)).run(1);

      assertThat(result.znodes()).isGreaterThan(NODES);
      System.out.printf("S3 vs local, %d znodes, %d bytes: backup local %d ms, S3 %d ms; restore local %d ms, S3 %d "
          + "ms%n", result.znodes(), result.bytes(), result.medianLocalBackup().toMillis(),
          result.medianLocationBackup().toMillis(), result.medianLocalRestore().toMillis(),
          result.medianLocationRestore().toMillis());
      assertThat(location.ids()).as("each round's object is deleted after it").isEmpty();
    }
  }

  private static void awaitLeader(EmbeddedWorld world) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (world.simulator().orElseThrow().leaderIndex().isEmpty()) {
      assertThat(System.nanoTime() - deadline).as("Marathon elects a leader within 60 s").isNegative();
      Thread.sleep(20);
    }
  }
}
