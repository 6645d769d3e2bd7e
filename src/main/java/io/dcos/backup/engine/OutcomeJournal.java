package io.dcos.backup.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.zookeeper.PortableWrites;
import java.io.IOException;
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
 * <p>The node's data is a JSON object, UTF-8 and readable with zkCli: {@code {"version":1,"kind":"SUCCEEDED",
 * "znodes":<n>}} or {@code {"version":1,"kind":"FAILED","message":"<message>"}}. Journals written by earlier
 * operator versions hold {@code SUCCEEDED <znodes>} or {@code FAILED <message>}; those are still read. (An operator of
 * an earlier version reads the JSON form as an unreadable record, that is as a failure.)
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

  /** The version of the JSON form {@link #encode} writes. */
  static final int VERSION = 1;
  private static final String SUCCEEDED = "SUCCEEDED";
  private static final String FAILED = "FAILED";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The stored form: {@code kind} says which of the other fields is set. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Stored(int version, String kind, Long znodes, String message) {}

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

  /**
   * Runs backup {@code id} unless an earlier attempt's failure is recorded, which is thrown again; a failure of this
   * attempt is recorded. A successful backup needs no record: its committed archive says so.
   */
  BackupOutcome backup(String id, OperationFailures.Work<BackupOutcome> attempt) throws Exception {
    Optional<Outcome> recorded = read(id);
    if (recorded.isPresent() && recorded.get() instanceof Outcome.Failed failed) {
      throw new OperationFailedException(failed.message());
    }
    try {
      return attempt.run();
    } catch (OperationFailedException e) {
      record(id, new Outcome.Failed(e.getMessage()));
      throw e;
    }
  }

  /**
   * Runs the restore of {@code backupId} whose safety snapshot is {@code safetyId} unless an earlier attempt finished
   * it: then its outcome is reported again (a failure thrown) instead of overwriting what Marathon did since. The
   * outcome of this attempt is recorded.
   */
  RestoreOutcome restore(String backupId, String safetyId, ProgressListener progress,
      OperationFailures.Work<RestoreOutcome> attempt) throws Exception {
    Optional<Outcome> finishedBefore = read(safetyId);
    if (finishedBefore.isPresent()) {
      if (finishedBefore.get() instanceof Outcome.Failed failed) {
        throw new OperationFailedException(failed.message());
      }
      long znodes = ((Outcome.Succeeded) finishedBefore.get()).znodes();
      LOG.info("restore of {} (safety snapshot {}) already finished: {} znodes", backupId, safetyId, znodes);
      progress.progress("restore of " + backupId + " was finished by an earlier attempt");
      return new RestoreOutcome(backupId, znodes, safetyId, Duration.ZERO);
    }
    try {
      RestoreOutcome outcome = attempt.run();
      record(safetyId, new Outcome.Succeeded(outcome.znodes()));
      return outcome;
    } catch (OperationFailedException e) {
      record(safetyId, new Outcome.Failed(e.getMessage()));
      throw e;
    }
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
    Stored stored = outcome instanceof Outcome.Succeeded succeeded
        ? new Stored(VERSION, SUCCEEDED, succeeded.znodes(), null)
        : new Stored(VERSION, FAILED, null, ((Outcome.Failed) outcome).message());
    try {
      return JSON.writeValueAsString(stored);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + outcome, e);
    }
  }

  /** Reads the JSON form and the prefixed form of earlier versions; anything else is an unreadable failure. */
  static Outcome decode(String text) {
    if (text.startsWith("{")) {
      return decodeJson(text);
    }
    if (text.startsWith(SUCCEEDED + " ")) {
      try {
        return new Outcome.Succeeded(Long.parseLong(text.substring(SUCCEEDED.length() + 1).trim()));
      } catch (NumberFormatException e) {
        return unreadable(text);
      }
    }
    if (text.startsWith(FAILED + " ")) {
      return new Outcome.Failed(text.substring(FAILED.length() + 1));
    }
    return unreadable(text);
  }

  private static Outcome decodeJson(String text) {
    Stored stored;
    try {
      stored = JSON.readValue(text, Stored.class);
    } catch (IOException e) {
      return unreadable(text);
    }
    if (SUCCEEDED.equals(stored.kind()) && stored.znodes() != null) {
      return new Outcome.Succeeded(stored.znodes());
    }
    if (FAILED.equals(stored.kind()) && stored.message() != null) {
      return new Outcome.Failed(stored.message());
    }
    return unreadable(text);
  }

  private static Outcome unreadable(String text) {
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
