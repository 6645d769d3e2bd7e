package io.dcos.backup.store;

import io.dcos.backup.zookeeper.ZNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A restore's undo log: every node its fenced write may change, as it was before (or listed as absent then), made
 * durable before the first write. With it the state before the restore can be rebuilt from the state after a crash
 * at any point of the write, so the full safety snapshot can be written beside the write instead of before it.
 *
 * <p>{@code <dir>/<safetyId>.undo}, mode 0600: written to a temp file, fsynced, renamed into place, the directory
 * fsynced, so it is there whole or not at all. Not an archive: never listed, never a backup. Format: {@code MAGIC},
 * UTF backup id, UTF state path, int count, that many UTF paths absent before, then the earlier nodes as a
 * {@link NodeCodec} stream (each record with its CRC, an end marker with the count).
 */
public final class UndoLog {
  private static final byte[] MAGIC = "MBOUNDO1".getBytes(StandardCharsets.US_ASCII);
  private static final String SUFFIX = ".undo";

  /** What a restore of {@code backupId} over {@code statePath} may change, as it was before. */
  public record Contents(String backupId, String statePath, List<ZNode> earlier, List<String> absent) {}

  private final ArchiveStore store;

  public UndoLog(ArchiveStore store) {
    this.store = store;
  }

  /** Writes the undo log of safety snapshot {@code safetyId} durably, replacing an earlier one. */
  public void write(String safetyId, Contents contents) throws IOException {
    Path target = file(safetyId);
    Path temp = store.newTempFile(safetyId, "undo");
    try {
      try (OutputStream file = Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING);
           DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file, 256 * 1024))) {
        out.write(MAGIC);
        out.writeUTF(contents.backupId());
        out.writeUTF(contents.statePath());
        out.writeInt(contents.absent().size());
        for (String path : contents.absent()) {
          out.writeUTF(path);
        }
        NodeCodec.Encoder nodes = new NodeCodec.Encoder(out);
        for (ZNode node : contents.earlier()) {
          nodes.write(node);
        }
        nodes.finish();
      }
      ArchiveStore.fsync(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      store.fsyncDirectory();
    } finally {
      store.forget(temp);
    }
  }

  /**
   * The undo log of safety snapshot {@code safetyId}; empty when there is none.
   *
   * @throws ArchiveCorruptException when it cannot be read whole
   */
  public Optional<Contents> read(String safetyId) throws IOException {
    Path file = file(safetyId);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String what = "undo log " + file.getFileName();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 256 * 1024)) {
      DataInputStream data = new DataInputStream(in);
      byte[] magic = data.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new ArchiveCorruptException(what + " does not start with the expected header");
      }
      String backupId = data.readUTF();
      String statePath = data.readUTF();
      int absentCount = data.readInt();
      if (absentCount < 0) {
        throw new ArchiveCorruptException(what + " lists a negative number of paths");
      }
      List<String> absent = new ArrayList<>();
      for (int i = 0; i < absentCount; i++) {
        absent.add(data.readUTF());
      }
      NodeCodec.Decoder decoder = new NodeCodec.Decoder(data, what);
      List<ZNode> earlier = new ArrayList<>();
      for (ZNode node = decoder.next(); node != null; node = decoder.next()) {
        earlier.add(node);
      }
      return Optional.of(new Contents(backupId, statePath, earlier, absent));
    } catch (EOFException e) {
      throw new ArchiveCorruptException(what + " is truncated");
    }
  }

  public boolean exists(String safetyId) {
    return Files.isRegularFile(file(safetyId));
  }

  /** Removes the undo log of {@code safetyId}, if there is one. */
  public void delete(String safetyId) throws IOException {
    if (Files.deleteIfExists(file(safetyId))) {
      store.fsyncDirectory();
    }
  }

  private Path file(String safetyId) {
    return store.directory().resolve(ArchiveStore.requireValidId(safetyId) + SUFFIX);
  }
}
