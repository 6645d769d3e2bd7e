package io.dcos.backup.bench;

import io.dcos.backup.engine.BackupLabels;
import io.dcos.backup.engine.BackupOutcome;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.engine.BackupService.BackupOptions;
import io.dcos.backup.engine.BackupService.RestoreOptions;
import io.dcos.backup.engine.LocatedArchives;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.engine.RestoreOutcome;
import io.dcos.backup.store.ArchiveLocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Backup and restore times of one Marathon state through the backup directory and through a storage location (an
 * S3 bucket), in one run: the same engine work (fence, snapshot, archive, verification; restore and its read-back),
 * plus, for the location, the upload or the verified download and the removal of the local copy. Rounds alternate
 * which of the two goes first, so drift on a noisy machine falls on both. Each round's archives are deleted after
 * it, so the store holds at most one.
 */
public final class StorageBench {

  /** Waits until Marathon has a leader again: every fenced operation restarts it. */
  @FunctionalInterface
  public interface LeaderWait {
    void await() throws Exception;
  }

  /** Durations per round, and the size of what was backed up. */
  public record Result(long znodes, long bytes, List<Duration> localBackup, List<Duration> locationBackup,
      List<Duration> localRestore, List<Duration> locationRestore) {

    public Duration medianLocalBackup() {
      return Durations.median(localBackup);
    }

    public Duration medianLocationBackup() {
      return Durations.median(locationBackup);
    }

    public Duration medianLocalRestore() {
      return Durations.median(localRestore);
    }

    public Duration medianLocationRestore() {
      return Durations.median(locationRestore);
    }
  }

  private final BackupService service;
  private final ArchiveLocation location;
  private final LeaderWait leader;
  private final LocatedArchives located;

  public StorageBench(BackupService service, ArchiveLocation location, LeaderWait leader) {
    this.service = service;
    this.location = location;
    this.leader = leader;
    this.located = new LocatedArchives(service);
  }

  public Result run(int rounds) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be at least 1");
    }
    List<Duration> localBackup = new ArrayList<>();
    List<Duration> locationBackup = new ArrayList<>();
    List<Duration> localRestore = new ArrayList<>();
    List<Duration> locationRestore = new ArrayList<>();
    long znodes = 0;
    long bytes = 0;
    for (int round = 0; round < rounds; round++) {
      boolean localFirst = round % 2 == 0;
      Round first = localFirst ? local() : throughLocation();
      Round second = localFirst ? throughLocation() : local();
      Round localRound = localFirst ? first : second;
      Round locationRound = localFirst ? second : first;
      if (localRound.znodes() != locationRound.znodes() || localRound.restored() != locationRound.restored()) {
        throw new IllegalStateException("the backup directory and " + location.where() + " did not carry the same "
            + "tree: " + localRound + " / " + locationRound);
      }
      localBackup.add(localRound.backup());
      localRestore.add(localRound.restore());
      locationBackup.add(locationRound.backup());
      locationRestore.add(locationRound.restore());
      znodes = localRound.znodes();
      bytes = localRound.bytes();
    }
    return new Result(znodes, bytes, localBackup, locationBackup, localRestore, locationRestore);
  }

  /** Znode counts are compared, not SHA-256s: Marathon writes a few nodes of its own after each restart. */
  private record Round(Duration backup, Duration restore, long znodes, long bytes, long restored) {}

  private Round local() throws Exception {
    String id = id("bench-local");
    String safety = id(BackupService.SAFETY_LABEL);
    leader.await();
    long start = System.nanoTime();
    BackupOutcome backup = service.backup(id, "bench-local", BackupOptions.FENCED, ProgressListener.NONE);
    Duration backupTime = since(start);
    leader.await();
    start = System.nanoTime();
    RestoreOutcome restore = service.restore(id, safety, RestoreOptions.DEFAULT, ProgressListener.NONE);
    Duration restoreTime = since(start);
    service.deleteArchive(id);
    service.deleteArchive(safety);
    return new Round(backupTime, restoreTime, backup.manifest().znodes(), backup.manifest().bytes(),
        restore.znodes());
  }

  private Round throughLocation() throws Exception {
    String id = id("bench-remote");
    String safety = id(BackupService.SAFETY_LABEL);
    leader.await();
    long start = System.nanoTime();
    BackupOutcome backup = located.backup(location, id, "bench-remote", BackupOptions.FENCED, ProgressListener.NONE);
    Duration backupTime = since(start);
    if (service.archive(id).isPresent()) {
      throw new IllegalStateException("a local copy of " + id + " was left after its upload");
    }
    leader.await();
    start = System.nanoTime();
    RestoreOutcome restore = located.restore(location, id, safety, RestoreOptions.DEFAULT, ProgressListener.NONE);
    Duration restoreTime = since(start);
    location.delete(id);
    service.deleteArchive(safety);
    return new Round(backupTime, restoreTime, backup.manifest().znodes(), backup.manifest().bytes(),
        restore.znodes());
  }

  private static String id(String label) {
    return BackupLabels.backupIdFor(label, UUID.randomUUID().toString());
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
