package io.dcos.backup.store;

import java.io.IOException;

/** The archive's framing, checksums or manifest do not match its content. Message starts "archive corrupt: ". */
public class ArchiveCorruptException extends IOException {
  public ArchiveCorruptException(String detail) {
    super("archive corrupt: " + detail);
  }

  public ArchiveCorruptException(String detail, Throwable cause) {
    super("archive corrupt: " + detail, cause);
  }
}
