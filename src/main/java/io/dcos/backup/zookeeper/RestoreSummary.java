package io.dcos.backup.zookeeper;

import java.time.Duration;
import java.util.Set;

/**
 * @param bytes            sum of the data lengths written (paths and ACLs not counted)
 * @param transactionZxids the zxid of every write transaction of this restore; a node whose czxid is one of them, and
 *                         whose data and ACL versions are 0, holds exactly what the restore wrote (see
 *                         {@link StateVerifier#compare(String, java.util.Iterator, RestoreSummary)}). Empty when
 *                         unknown.
 */
public record RestoreSummary(long znodesWritten, long znodesDeleted, long bytes, Duration elapsed,
                             Set<Long> transactionZxids) {
  public RestoreSummary {
    transactionZxids = transactionZxids == null ? Set.of() : Set.copyOf(transactionZxids);
  }

  public RestoreSummary(long znodesWritten, long znodesDeleted, long bytes, Duration elapsed) {
    this(znodesWritten, znodesDeleted, bytes, elapsed, Set.of());
  }
}
