package io.dcos.backup.engine;

import io.dcos.backup.store.Manifest;
import io.dcos.backup.zookeeper.PreCopy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A verified archive, what taking it cost Marathon, and how it was made consistent.
 *
 * @param warning what went wrong after the archive was verified (Marathon did not elect a leader in time), or null
 * @param preCopy what the pre-copy did, when the archive came from one; null when the whole state was read under
 *     the fence (or online)
 * @param preCopyNotUsed why a pre-copy that was asked for was not used, so that the whole state was read under the
 *     fence (it could not start, lost its watches, or the fence was not held throughout); null otherwise
 */
public record BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications,
                            Consistency consistency, String warning, PreCopy.Figures preCopy, String preCopyNotUsed) {

  public BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications,
                       Consistency consistency, String warning, PreCopy.Figures preCopy) {
    this(manifest, location, marathonLeaderless, abdications, consistency, warning, preCopy, null);
  }

  public BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications,
                       Consistency consistency, String warning) {
    this(manifest, location, marathonLeaderless, abdications, consistency, warning, null);
  }

  public BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications) {
    this(manifest, location, marathonLeaderless, abdications, Consistency.FENCED);
  }

  public BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications,
                       Consistency consistency) {
    this(manifest, location, marathonLeaderless, abdications, consistency, null);
  }

  /** The same outcome with {@code note} added to its warning. */
  public BackupOutcome withWarning(String note) {
    return new BackupOutcome(manifest, location, marathonLeaderless, abdications, consistency,
        warning == null ? note : warning + "; " + note, preCopy, preCopyNotUsed);
  }

  /** The same outcome with the archive kept at {@code kept} (null: not on the operator's disk). */
  public BackupOutcome withLocation(Path kept) {
    return new BackupOutcome(manifest, kept, marathonLeaderless, abdications, consistency, warning, preCopy,
        preCopyNotUsed);
  }

  /** How the snapshot was made consistent; {@link #statusName()} is what `status.consistency` shows. */
  public enum Consistency {
    /** Marathon was restarted (fenced) so that no leader wrote while the state was read. */
    FENCED("Fenced"),
    /** Read while Marathon ran, proven unchanged during the read: no restart, no leaderless time. */
    ONLINE("Online"),
    /** Online was asked for, but Marathon kept writing during every attempt: fenced after all. */
    FENCED_FALLBACK("FencedFallback");

    private final String statusName;

    Consistency(String statusName) {
      this.statusName = statusName;
    }

    public String statusName() {
      return statusName;
    }
  }
}
