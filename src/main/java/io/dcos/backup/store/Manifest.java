package io.dcos.backup.store;

import java.time.Instant;
import java.util.List;

/**
 * Describes one archive; stored as manifest.json, the first entry of the tar.
 *
 * @param znodes number of znodes in nodes.bin
 * @param bytes sum of the znodes' data lengths (not paths or ACLs, not the archive's size on disk)
 * @param sha256 lowercase hex SHA-256 of the nodes.bin entry
 * @param storageVersion Marathon's storage version in the archived state ({@code internal:storage:version}), as
 *     Marathon writes it in its logs ({@code Version(110, 100, 0, PERSISTENCE_STORE)}); {@code "none"} when the
 *     archive has no such node; null in archives written before it was recorded
 */
public record Manifest(int formatVersion, String id, String label, Instant created, List<String> sourceHosts,
                       String zkPath, String marathonVersion, long znodes, long bytes, String sha256,
                       String storageVersion) {
  public static final int CURRENT_FORMAT = 1;
  /** {@link #storageVersion()} of an archive without the node (not a Marathon state, or one Marathon never led). */
  public static final String NO_STORAGE_VERSION = "none";

  public Manifest {
    sourceHosts = sourceHosts == null ? List.of() : List.copyOf(sourceHosts);
  }

  public Manifest(int formatVersion, String id, String label, Instant created, List<String> sourceHosts,
      String zkPath, String marathonVersion, long znodes, long bytes, String sha256) {
    this(formatVersion, id, label, created, sourceHosts, zkPath, marathonVersion, znodes, bytes, sha256, null);
  }
}
