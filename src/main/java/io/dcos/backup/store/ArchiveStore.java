package io.dcos.backup.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.dcos.backup.zookeeper.StorageVersion;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZNodeIterator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives on local disk: {@code <dir>/<id>.tar} holding {@code manifest.json} then {@code nodes.bin} (see
 * {@link NodeCodec}). Plain tar so that {@code tar -xOf <id>.tar manifest.json} works without the operator.
 *
 * <p>Writing streams the nodes to a temporary file while hashing (memory stays bounded for any tree size), then
 * builds the tar with the manifest first, fsyncs it and renames it into place atomically. Temporary files start with
 * a dot and end with {@code .tmp}; ids can never start with a dot, so the two never collide.
 *
 * <p>Longer than this project's ~400-line mark on purpose: the file format's writer, reader and verifier are kept
 * beside each other so that a format change is made in one place.
 */
public final class ArchiveStore {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveStore.class);
  static final String MANIFEST_ENTRY = "manifest.json";
  static final String NODES_ENTRY = "nodes.bin";
  private static final String SUFFIX = ".tar";
  private static final String TEMP_SUFFIX = ".tmp";
  private static final int MAX_ID_LENGTH = 100;
  private static final int MAX_MANIFEST_BYTES = 1024 * 1024;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private final Path directory;
  /** Temp files of writers still open in this process: removeStaleTempFiles must not pull them away. */
  private final Set<Path> liveTempFiles = ConcurrentHashMap.newKeySet();

  /** Creates the directory with mode 0700 if it is missing (an existing directory's mode is left alone). */
  public ArchiveStore(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
    try {
      if (!Files.isDirectory(this.directory)) {
        Files.createDirectories(this.directory, PosixFilePermissions.asFileAttribute(DIR_MODE));
        // createDirectories applies the umask; make the mode exact.
        Files.setPosixFilePermissions(this.directory, DIR_MODE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create backup directory " + this.directory, e);
    }
  }

  public Path directory() {
    return directory;
  }

  /** @return an error message if {@code id} is not a safe backup id, empty if it is */
  public static Optional<String> validateId(String id) {
    if (id == null || id.isEmpty()) {
      return Optional.of("backup id must not be empty");
    }
    if (id.length() > MAX_ID_LENGTH) {
      return Optional.of("backup id is longer than " + MAX_ID_LENGTH + " characters");
    }
    if (!ID.matcher(id).matches()) {
      return Optional.of("backup id may contain only letters, digits, '_', '.' and '-' and must start with a "
          + "letter, digit or '_'");
    }
    return Optional.empty();
  }

  static String requireValidId(String id) {
    Optional<String> error = validateId(id);
    if (error.isPresent()) {
      throw new IllegalArgumentException(error.get());
    }
    return id;
  }

  public Path location(String id) {
    return directory.resolve(requireValidId(id) + SUFFIX);
  }

  public ArchiveWriter create(String id) throws IOException {
    Path target = location(id);
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "backup " + id + " already exists");
    }
    return new TarWriter(id, target);
  }

  public ArchiveReader open(String id) throws IOException {
    Path file = existing(id);
    Manifest manifest = verifyFile(id, file);
    return new TarReader(id, file, manifest);
  }

  /**
   * Opens an archive verified earlier ({@link #verify}) without reading the whole file again first; each record's CRC
   * is still checked as it is read. For a read under Marathon's fence whose result is then compared with what the
   * archive held when it was verified, so that a file changed meanwhile fails that comparison.
   */
  public ArchiveReader openVerifiedEarlier(String id, Manifest verified) throws IOException {
    if (!verified.id().equals(id)) {
      throw new IllegalArgumentException("manifest of " + verified.id() + " given for " + id);
    }
    return new TarReader(id, existing(id), verified);
  }

  public Optional<Manifest> manifest(String id) throws IOException {
    Path file = location(id);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (TarArchiveInputStream tar = openTar(file)) {
      return Optional.of(readManifest(id, tar));
    }
  }

  /** Complete archives, oldest first; temp files and unreadable archives (logged) are left out. */
  public List<Manifest> list() throws IOException {
    List<Manifest> result = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String id = name.substring(0, name.length() - SUFFIX.length());
        if (validateId(id).isPresent() || !Files.isRegularFile(f)) {
          continue;
        }
        try {
          manifest(id).ifPresent(result::add);
        } catch (IOException e) {
          LOG.warn("skipping unreadable backup archive {}: {}", f, e.getMessage());
        }
      }
    }
    result.sort(Comparator.comparing(Manifest::created, Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparing(Manifest::id));
    return result;
  }

  public boolean delete(String id) throws IOException {
    boolean deleted = Files.deleteIfExists(location(id));
    if (deleted) {
      fsyncDirectory();
    }
    return deleted;
  }

  /** Full re-read of framing, record checksums, counts and SHA-256. */
  public Manifest verify(String id) throws IOException {
    return verifyFile(id, existing(id));
  }

  /**
   * Copies an archive from elsewhere (an object store's download, another location's directory) in as {@code id}:
   * written to a temp file, verified in full, and only then published. Nothing half-copied or corrupt ever appears
   * under the archive's name.
   */
  public Manifest importArchive(String id, InputStream archive) throws IOException {
    return importArchive(id, archive, null);
  }

  /**
   * As {@link #importArchive(String, InputStream)}; {@code expectedSha256} (hex, of the whole archive file as it was
   * written, or null) is checked too, before anything is published.
   */
  public Manifest importArchive(String id, InputStream archive, String expectedSha256) throws IOException {
    MessageDigest whole = sha256();
    return importChecked(id, new DigestInputStream(archive, whole), temp -> {
      String actual = HexFormat.of().formatHex(whole.digest());
      if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(actual)) {
        throw new ArchiveCorruptException(id + ": the archive's SHA-256 is " + actual + ", the store recorded "
            + expectedSha256 + " when it was written");
      }
      return verifyFile(id, temp);
    });
  }

  /** Checks a file before it is published; throws to refuse it. */
  @FunctionalInterface
  public interface FileCheck {
    void check(Path file) throws IOException;
  }

  /**
   * Stores {@code stored} as {@code id}'s file without reading it as a tar (an encrypted archive): written to a temp
   * file (mode 0600) and fsynced; {@code check} reads it back, and only if it passes is it published, atomically and
   * never over an existing archive.
   */
  public void importStored(String id, InputStream stored, FileCheck check) throws IOException {
    importChecked(id, stored, temp -> {
      check.check(temp);
      return null;
    });
  }

  /** What an import learns from its file while checking it; throws to refuse it. */
  @FunctionalInterface
  private interface ImportCheck<T> {
    T check(Path temp) throws IOException;
  }

  /**
   * The one way an import is stored: {@code in} copied to a temp file (mode 0600) and fsynced, checked, and only then
   * published ({@link #publish}); the temp file is gone afterwards either way.
   */
  private <T> T importChecked(String id, InputStream in, ImportCheck<T> check) throws IOException {
    requireValidId(id); // before it names a temp file
    Path temp = newTempFile(id, "import");
    try {
      try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING)) {
        in.transferTo(out);
      }
      fsync(temp);
      T checked = check.check(temp);
      publish(id, temp);
      return checked;
    } finally {
      forget(temp);
    }
  }

  static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * A checked, fsynced archive file — a committed one or an import — appears under the archive's name atomically,
   * never over an existing archive, and the directory is fsynced. A hard link appears atomically and, unlike
   * rename(2), refuses to replace an existing file: two writers that race on one id cannot overwrite each other's
   * archive. Without hard links, an atomic rename after an existence check (racy only against a concurrent writer of
   * the same id). The caller deletes {@code temp} afterwards ({@link #forget}), whichever way it was published.
   */
  private void publish(String id, Path temp) throws IOException {
    Path target = location(id);
    try {
      Files.createLink(target, temp);
      fsyncDirectory();
      return;
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(target.toString(), null, "backup " + id + " already exists");
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      if (Files.exists(target)) {
        throw new FileAlreadyExistsException(target.toString(), null, "backup " + id + " already exists");
      }
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("backup directory " + directory + " does not support atomic renames", e);
    }
    fsyncDirectory();
  }

  /** The archive's file as stored, encrypted or not; the caller closes it. */
  public InputStream openStored(String id) throws IOException {
    return Files.newInputStream(existing(id));
  }

  /** Whether there is a file for {@code id}, readable or not. */
  public boolean exists(String id) {
    return Files.isRegularFile(location(id));
  }

  /** The ids of every archive file, without opening them (encrypted archives cannot be read as a tar here). */
  public List<String> storedIds() throws IOException {
    List<String> ids = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String id = name.substring(0, name.length() - SUFFIX.length());
        if (validateId(id).isEmpty() && Files.isRegularFile(f)) {
          ids.add(id);
        }
      }
    }
    ids.sort(Comparator.naturalOrder());
    return ids;
  }

  /** Deletes temp files left by a crash (those of writers open in this store are kept). */
  public void removeStaleTempFiles() throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ".*" + TEMP_SUFFIX)) {
      for (Path f : files) {
        if (!liveTempFiles.contains(f) && Files.isRegularFile(f)) {
          LOG.info("removing stale temporary file {}", f);
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private Path existing(String id) throws IOException {
    Path file = location(id);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no backup " + id);
    }
    return file;
  }

  private static TarArchiveInputStream openTar(Path file) throws IOException {
    return new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024));
  }

  private static TarArchiveEntry nextEntry(String id, TarArchiveInputStream tar, String expected) throws IOException {
    TarArchiveEntry e;
    try {
      e = tar.getNextEntry();
    } catch (IOException ex) {
      throw new ArchiveCorruptException(id + ": unreadable tar header before " + expected + ": " + ex.getMessage(),
          ex);
    }
    if (e == null || !expected.equals(e.getName())) {
      throw new ArchiveCorruptException(id + ": expected tar entry " + expected + ", found "
          + (e == null ? "end of archive" : e.getName()));
    }
    return e;
  }

  /** The manifest at the start of an archive read from anywhere; the rest of the stream is not read. */
  public static Manifest manifestOf(String id, InputStream archive) throws IOException {
    requireValidId(id);
    TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(archive, 8 * 1024));
    return readManifest(id, tar);
  }

  /** SHA-256 (hex) of a whole file. */
  public static String sha256Of(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = new java.security.DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static Manifest readManifest(String id, TarArchiveInputStream tar) throws IOException {
    TarArchiveEntry e = nextEntry(id, tar, MANIFEST_ENTRY);
    if (e.getSize() > MAX_MANIFEST_BYTES) {
      throw new ArchiveCorruptException(id + ": manifest.json is implausibly large (" + e.getSize() + " bytes)");
    }
    byte[] json = tar.readAllBytes();
    if (json.length != e.getSize()) {
      throw new ArchiveCorruptException(id + ": manifest.json is truncated");
    }
    Manifest m;
    try {
      m = JSON.readValue(json, Manifest.class);
    } catch (IOException ex) {
      throw new ArchiveCorruptException(id + ": manifest.json is not valid: " + ex.getMessage(), ex);
    }
    if (m.formatVersion() != Manifest.CURRENT_FORMAT) {
      throw new UnsupportedArchiveFormatException(id, m.formatVersion(), Manifest.CURRENT_FORMAT);
    }
    if (!id.equals(m.id())) {
      throw new ArchiveCorruptException(id + ": manifest names another backup (" + m.id() + ")");
    }
    return m;
  }

  private static Manifest verifyFile(String id, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return verifyStream(id, in);
    }
  }

  /**
   * The full check of {@link #verify} over an archive read from anywhere (an object store's download): framing,
   * record checksums, counts and SHA-256. Reads the stream to its end, holding one record at a time.
   */
  public static Manifest verifyStream(String id, InputStream archive) throws IOException {
    requireValidId(id);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(archive, 64 * 1024))) {
      Manifest m = readManifest(id, tar);
      TarArchiveEntry e = nextEntry(id, tar, NODES_ENTRY);
      MessageDigest sha = sha256();
      NodeCodec.Decoder decoder;
      InputStream in = new java.security.DigestInputStream(new EntryStream(id, tar, e.getSize()), sha);
      decoder = new NodeCodec.Decoder(in, id);
      while (decoder.next() != null) {
        // decoding checks every record's frame and CRC
      }
      String actual = HexFormat.of().formatHex(sha.digest());
      if (!actual.equals(m.sha256())) {
        throw new ArchiveCorruptException(id + ": nodes.bin SHA-256 is " + actual + ", manifest says " + m.sha256());
      }
      if (decoder.count != m.znodes() || decoder.dataBytes != m.bytes()) {
        throw new ArchiveCorruptException(id + ": manifest counts " + m.znodes() + " znodes / " + m.bytes()
            + " bytes, nodes.bin holds " + decoder.count + " / " + decoder.dataBytes);
      }
      return m;
    }
  }

  /** A tar entry's bytes; a short read (truncated file) is reported as corruption, not as a clean end. */
  private static final class EntryStream extends InputStream {
    private final String id;
    private final TarArchiveInputStream tar;
    private long remaining;

    EntryStream(String id, TarArchiveInputStream tar, long size) {
      this.id = id;
      this.tar = tar;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n;
      try {
        n = tar.read(b, off, (int) Math.min(len, remaining));
      } catch (IOException e) {
        throw new ArchiveCorruptException(id + ": nodes.bin is truncated or unreadable: " + e.getMessage(), e);
      }
      if (n < 0) {
        throw new ArchiveCorruptException(id + ": nodes.bin is truncated (" + remaining + " bytes missing)");
      }
      remaining -= n;
      return n;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void fsyncDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  Path newTempFile(String id, String kind) throws IOException {
    FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(FILE_MODE);
    Path p = Files.createTempFile(directory, "." + id + ".", "." + kind + TEMP_SUFFIX, mode);
    liveTempFiles.add(p);
    return p;
  }

  void forget(Path temp) {
    if (temp == null) {
      return;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      LOG.warn("could not delete temporary file {}: {}", temp, e.getMessage());
    }
    liveTempFiles.remove(temp);
  }

  private final class TarWriter implements ArchiveWriter {
    private final String id;
    private final Path target;
    private final Path nodesTemp;
    private final MessageDigest sha = sha256();
    private final OutputStream fileOut;
    private final NodeCodec.Encoder encoder;
    private Path tarTemp;
    private String storageVersion = Manifest.NO_STORAGE_VERSION;
    private boolean committed;
    private boolean closed;

    TarWriter(String id, Path target) throws IOException {
      this.id = id;
      this.target = target;
      this.nodesTemp = newTempFile(id, "nodes");
      try {
        fileOut = Files.newOutputStream(nodesTemp);
        encoder = new NodeCodec.Encoder(new BufferedOutputStream(new DigestOutputStream(fileOut, sha), 256 * 1024));
      } catch (IOException e) {
        forget(nodesTemp);
        throw e;
      }
    }

    @Override
    public void accept(ZNode node) throws IOException {
      if (committed || closed) {
        throw new IllegalStateException("archive writer for " + id + " is already " + (committed ? "committed"
            : "closed"));
      }
      encoder.write(node);
      if (node.relativePath().equals("/" + StorageVersion.NODE)) {
        storageVersion = StorageVersion.fromNodeData(node.data()).map(StorageVersion::toString)
            .orElse("unreadable");
      }
    }

    @Override
    public Manifest commit(ManifestInfo info) throws IOException {
      if (committed || closed) {
        throw new IllegalStateException("archive writer for " + id + " is already " + (committed ? "committed"
            : "closed"));
      }
      if (!id.equals(info.id())) {
        throw new IllegalArgumentException("manifest id " + info.id() + " does not match the archive id " + id);
      }
      encoder.finish();
      fileOut.close();
      Manifest m = new Manifest(Manifest.CURRENT_FORMAT, id, info.label(), info.created(), info.sourceHosts(),
          info.zkPath(), info.marathonVersion(), encoder.count, encoder.dataBytes,
          HexFormat.of().formatHex(sha.digest()), storageVersion);
      byte[] json = JSON.writeValueAsBytes(m);
      long nodesSize = Files.size(nodesTemp);
      tarTemp = newTempFile(id, "tar");
      // close() (not just finish()) pads and writes the last tar record; fsync afterwards through a new channel.
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
          new BufferedOutputStream(Files.newOutputStream(tarTemp, StandardOpenOption.TRUNCATE_EXISTING), 256 * 1024))) {
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        putEntry(tar, MANIFEST_ENTRY, json.length, info);
        tar.write(json);
        tar.closeArchiveEntry();
        putEntry(tar, NODES_ENTRY, nodesSize, info);
        Files.copy(nodesTemp, tar);
        tar.closeArchiveEntry();
        tar.finish();
      }
      try (FileChannel ch = FileChannel.open(tarTemp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      publish(id, tarTemp);
      forget(tarTemp);
      tarTemp = null;
      committed = true;
      close();
      return m;
    }

    private void putEntry(TarArchiveOutputStream tar, String name, long size, ManifestInfo info) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(size);
      e.setMode(0100600);
      if (info.created() != null) {
        e.setModTime(info.created().toEpochMilli());
      }
      tar.putArchiveEntry(e);
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        fileOut.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", nodesTemp, e.getMessage());
      }
      forget(nodesTemp);
      forget(tarTemp);
    }
  }

  private final class TarReader implements ArchiveReader {
    private final String id;
    private final Path file;
    private final Manifest manifest;
    private final List<TarArchiveInputStream> open = new ArrayList<>();

    TarReader(String id, Path file, Manifest manifest) {
      this.id = id;
      this.file = file;
      this.manifest = manifest;
    }

    @Override
    public Manifest manifest() {
      return manifest;
    }

    @Override
    public Iterator<ZNode> nodes() {
      try {
        TarArchiveInputStream tar = openTar(file);
        open.add(tar);
        readManifest(id, tar);
        TarArchiveEntry e = nextEntry(id, tar, NODES_ENTRY);
        NodeCodec.Decoder decoder = new NodeCodec.Decoder(new EntryStream(id, tar, e.getSize()), id);
        return new ZNodeIterator() {
          @Override
          protected ZNode advance() {
            try {
              return decoder.next();
            } catch (IOException ex) {
              throw new UncheckedIOException(ex);
            }
          }
        };
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }

    @Override
    public void close() {
      for (TarArchiveInputStream t : open) {
        try {
          t.close();
        } catch (IOException e) {
          LOG.debug("closing {}: {}", file, e.getMessage());
        }
      }
      open.clear();
    }
  }
}
