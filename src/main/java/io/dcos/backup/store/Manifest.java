package io.dcos.backup.store;

import java.time.Instant;
import java.util.List;

/**
 * Describes one archive; stored as manifest.json, the first entry of the tar.
 *
 * @param znodes number of znodes in nodes.bin
 * @param bytes sum of the znodes' data lengths (not paths or ACLs, not the archive's size on disk)
 * @param sha256 lowercase hex SHA-256 of the nodes.bin entry
 */
public record Manifest(int formatVersion, String id, String label, Instant created, List<String> sourceHosts,
                       String zkPath, String marathonVersion, long znodes, long bytes, String sha256) {
  public static final int CURRENT_FORMAT = 1;

  public Manifest {
    sourceHosts = sourceHosts == null ? List.of() : List.copyOf(sourceHosts);
  }
}
