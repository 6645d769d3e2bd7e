package io.dcos.backup.store;

import java.io.IOException;

/**
 * The archive is intact but written in a format this operator does not read (its manifest's {@code formatVersion}),
 * typically by a newer operator. Not {@link ArchiveCorruptException}: the archive is fine and another operator
 * version reads it. Message starts "archive format unsupported: ", the way the status shows it.
 */
public class UnsupportedArchiveFormatException extends IOException {
  private final String backupId;
  private final int found;
  private final int supported;

  public UnsupportedArchiveFormatException(String backupId, int found, int supported) {
    super("archive format unsupported: backup " + backupId + " is in archive format " + found
        + ", this operator reads only format " + supported + "; nothing was read from it. Use an operator version "
        + "that reads format " + found + (found > supported ? " (a newer one)" : ""));
    this.backupId = backupId;
    this.found = found;
    this.supported = supported;
  }

  public String backupId() {
    return backupId;
  }

  /** The archive's format version. */
  public int found() {
    return found;
  }

  /** The one format version this operator reads. */
  public int supported() {
    return supported;
  }
}
