package io.dcos.backup.zookeeper;

import java.util.List;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * One node of a {@link TreeReader} walk: what its getACL found, what its reads returned, and how big their replies
 * are expected to be (from the Stat, so that no reply comes near jute.maxbuffer). Used by the walk's thread only.
 */
final class WalkNode {
  /** Estimated reply bytes of one child name in a getChildren reply (length prefix + name). */
  private static final int EST_CHILD_NAME_BYTES = 4 + 96;
  private static final int STAT_AND_HEADER_BYTES = 100;

  final String path;
  List<ACL> acl;
  Stat stat;
  byte[] data;
  List<String> children = List.of();
  int pendingCalls;
  final ConnectionEpochs.Request connection = new ConnectionEpochs.Request();
  /** Read with its own plain calls, never in a multi: its data or its children list is big. */
  boolean lone;
  boolean dropped;
  /** Set once a call failed for good: the node is not re-queued. */
  boolean failed;

  WalkNode(String path) {
    this.path = path;
  }

  boolean wantsChildren() {
    return stat.getNumChildren() > 0;
  }

  /** Its share of a multi's reply: getData, and getChildren when it has children. */
  long estimatedReplyBytes() {
    return STAT_AND_HEADER_BYTES + stat.getDataLength()
        + (wantsChildren() ? (long) stat.getNumChildren() * EST_CHILD_NAME_BYTES + 16 : 0);
  }

  /** Its ops in a multi. */
  int ops() {
    return wantsChildren() ? 2 : 1;
  }

  /** The reply of its own getData call. */
  long dataReplyBytes() {
    return STAT_AND_HEADER_BYTES + stat.getDataLength();
  }

  /** The reply of its own getChildren call. */
  long childrenReplyBytes() {
    return (long) stat.getNumChildren() * EST_CHILD_NAME_BYTES;
  }
}
