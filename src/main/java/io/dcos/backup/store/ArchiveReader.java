package io.dcos.backup.store;

import io.dcos.backup.zookeeper.ZNode;
import java.util.Iterator;

public interface ArchiveReader extends AutoCloseable {
  Manifest manifest();

  /**
   * Streams the archived nodes, root first, parents before children. The archive was verified when opened; a read
   * error while streaming (the file changed meanwhile) surfaces as {@link java.io.UncheckedIOException}.
   */
  Iterator<ZNode> nodes();

  @Override
  void close();
}
