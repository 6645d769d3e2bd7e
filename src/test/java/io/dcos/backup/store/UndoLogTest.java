package io.dcos.backup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.zookeeper.ZNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UndoLogTest {
  @TempDir Path tmp;

  private static final UndoLog.Contents CONTENTS = new UndoLog.Contents("backup-1", "/marathon/state",
      List.of(new ZNode("/apps/a", "before".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE),
          new ZNode("/apps/b", null, ZooDefs.Ids.READ_ACL_UNSAFE)),
      List.of("/apps/created", "/apps/created/child"));

  @Test
  void whatIsWrittenIsReadBackOwnerOnlyAndIsNoArchive() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    UndoLog logs = new UndoLog(store);
    logs.write("safety-1", CONTENTS);

    UndoLog.Contents read = logs.read("safety-1").orElseThrow();
    assertThat(read.backupId()).isEqualTo("backup-1");
    assertThat(read.statePath()).isEqualTo("/marathon/state");
    assertThat(read.earlier()).containsExactlyElementsOf(CONTENTS.earlier());
    assertThat(read.absent()).containsExactlyElementsOf(CONTENTS.absent());
    Path file = tmp.resolve("safety-1.undo");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(store.list()).as("an undo log is never listed as a backup").isEmpty();
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temp file left").containsExactly("safety-1.undo");
    }

    logs.delete("safety-1");
    assertThat(logs.exists("safety-1")).isFalse();
    assertThat(logs.read("safety-1")).isEmpty();
  }

  @Test
  void aCutOrDamagedLogIsRefusedNotHalfRead() throws Exception {
    ArchiveStore store = new ArchiveStore(tmp);
    UndoLog logs = new UndoLog(store);
    logs.write("safety-2", CONTENTS);
    Path file = tmp.resolve("safety-2.undo");
    byte[] whole = Files.readAllBytes(file);

    Files.write(file, Arrays.copyOf(whole, whole.length - 20));
    assertThatThrownBy(() -> logs.read("safety-2")).isInstanceOf(ArchiveCorruptException.class);

    byte[] flipped = whole.clone();
    flipped[whole.length - 30] ^= 0x40;
    Files.write(file, flipped);
    assertThatThrownBy(() -> logs.read("safety-2")).isInstanceOf(ArchiveCorruptException.class);
  }

  @Test
  void anIdCannotNameAFileOutsideTheStore() {
    UndoLog logs = new UndoLog(new ArchiveStore(tmp));
    assertThatThrownBy(() -> logs.write("../escape", CONTENTS)).isInstanceOf(IllegalArgumentException.class);
  }
}
