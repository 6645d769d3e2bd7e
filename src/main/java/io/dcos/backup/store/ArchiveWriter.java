package io.dcos.backup.store;

import io.dcos.backup.zookeeper.ZNodeSink;
import java.io.IOException;

public interface ArchiveWriter extends ZNodeSink, AutoCloseable {
  /** Finishes the archive: fsync, atomic rename to {@code <id>.tar} (mode 0600), fsync of the directory. */
  Manifest commit(ManifestInfo info) throws IOException;

  /** Deletes the temporary files unless committed. */
  @Override
  void close();
}
