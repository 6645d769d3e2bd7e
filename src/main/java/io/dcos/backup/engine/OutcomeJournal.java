package io.dcos.backup.engine;

import io.dcos.backup.zookeeper.PortableWrites;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome of each finished restore (by safety snapshot ID) and failed backup (by ID), beside Marathon's state
 * at {@code <zk>/backup-operator-outcomes/<id>}, written under the operation lock. A replica (or a restarted
 * operator) that is asked to run an operation another one already finished reports that outcome instead of running
 * it again: a restore repeated later would overwrite what Marathon did since.
 *
 * <p>The node's data is {@code SUCCEEDED <znodes>} or {@code FAILED <message>}, UTF-8: readable with zkCli, and the
 * format every operator version writes.
 */
final class OutcomeJournal {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeJournal.class);
  static final String NODE = "/backup-operator-outcomes";
  /** How long recording an outcome waits for a dropped ZooKeeper connection to come back. */
  private static final Duration CONNECT_WAIT = Duration.ofSeconds(3);

  /** A recorded outcome. */
  sealed interface Outcome {
    /** A restore that succeeded, with how many znodes it wrote. */
    record Succeeded(long znodes) implements Outcome {}

    /** An operation that failed, with the message it failed with. */
    record Failed(String message) implements Outcome {}
  }

  private static final String SUCCEEDED = "SUCCEEDED ";
  private static final String FAILED = "FAILED ";

  private final CuratorFramework zk;
  private final String root;

  /** @param marathonPath Marathon's {@code --zk} path: the journal sits beside its {@code state} */
  OutcomeJournal(CuratorFramework zk, String marathonPath) {
    this.zk = zk;
    this.root = marathonPath + NODE;
  }

  Optional<Outcome> read(String id) throws Exception {
    byte[] data;
    try {
      data = zk.getData().forPath(path(id));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
    return Optional.of(decode(new String(data, StandardCharsets.UTF_8)));
  }

  /** Records an outcome; a failure to record is logged, not thrown: the outcome itself stands. */
  void record(String id, Outcome outcome) throws InterruptedException {
    if (!connectedWithin(CONNECT_WAIT)) {
      // No quorum (the usual reason an operation failed): Curator's retries would only add minutes to the failure.
      LOG.warn("could not record the outcome of {} in ZooKeeper: not connected", id);
      return;
    }
    try {
      PortableWrites.createOrSetData(zk.getZookeeperClient().getZooKeeper(), path(id),
          encode(outcome).getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      // Without the record a replica may repeat the operation: log it.
      LOG.warn("could not record the outcome of {} in ZooKeeper: {}", id, OperationFailures.describe(e));
    }
  }

  static String encode(Outcome outcome) {
    if (outcome instanceof Outcome.Succeeded succeeded) {
      return SUCCEEDED + succeeded.znodes();
    }
    return FAILED + ((Outcome.Failed) outcome).message();
  }

  static Outcome decode(String text) {
    if (text.startsWith(SUCCEEDED)) {
      try {
        return new Outcome.Succeeded(Long.parseLong(text.substring(SUCCEEDED.length()).trim()));
      } catch (NumberFormatException e) {
        return new Outcome.Failed("unreadable outcome record: " + text);
      }
    }
    if (text.startsWith(FAILED)) {
      return new Outcome.Failed(text.substring(FAILED.length()));
    }
    return new Outcome.Failed("unreadable outcome record: " + text);
  }

  private String path(String id) {
    return root + "/" + id;
  }

  private boolean connectedWithin(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!zk.getZookeeperClient().isConnected()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }
}
