package io.dcos.backup.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A filesystem location: an {@link ArchiveStore} directory, the backup directory itself or another one. With
 * client-side encryption (never on the backup directory, where archives are made in plaintext), each archive file is
 * the {@link ChunkedEncryption} ciphertext of the tar, under the same name; archives stored before encryption was
 * turned on stay readable.
 */
public final class DirectoryLocation implements ArchiveLocation {
  private final String name;
  private final ArchiveStore store;
  private final boolean primary;
  private final boolean readOnly;
  private final EncryptionKeys encryption;

  public DirectoryLocation(String name, ArchiveStore store, boolean primary, boolean readOnly) {
    this(name, store, primary, readOnly, EncryptionKeys.NONE);
  }

  /** @throws IllegalArgumentException when {@code primary} and encrypting: the engine reads the backup directory */
  public DirectoryLocation(String name, ArchiveStore store, boolean primary, boolean readOnly,
      EncryptionKeys encryption) {
    if (primary && encryption.encrypts()) {
      throw new IllegalArgumentException("encryption needs a directory other than the operator's backup directory "
          + store.directory() + ", where archives are made, verified and restored from in plaintext");
    }
    this.name = name;
    this.store = store;
    this.primary = primary;
    this.readOnly = readOnly;
    this.encryption = encryption;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public boolean primary() {
    return primary;
  }

  @Override
  public String where() {
    return store.directory() + "/";
  }

  @Override
  public String objectKey(String id) {
    return store.location(id).getFileName().toString();
  }

  @Override
  public void check() throws IOException {
    Path dir = store.directory();
    if (!Files.isDirectory(dir)) {
      throw new IOException("directory " + dir + " does not exist");
    }
    if (!Files.isReadable(dir) || (!readOnly && !Files.isWritable(dir))) {
      throw new IOException("directory " + dir + " is not " + (readOnly ? "readable" : "writable") + " by the "
          + "operator");
    }
  }

  @Override
  public void upload(String id, Path archive) throws IOException {
    if (primary) {
      return;
    }
    refuseWhenReadOnly("write");
    if (store.exists(id)) {
      return; // copied by an earlier attempt (imports publish only verified, complete archives)
    }
    if (!encryption.encrypts()) {
      try (InputStream in = Files.newInputStream(archive)) {
        store.importArchive(id, in);
      }
      return;
    }
    String expected = ArchiveStore.sha256Of(archive);
    try (InputStream sealed = encryption.seal(Files.newInputStream(archive))) {
      // Read back and decrypted before it is published: what is stored decrypts to the verified archive, bit for bit.
      store.importStored(id, sealed, stored -> {
        String actual = plaintextSha256(id, stored);
        if (!actual.equals(expected)) {
          throw new ArchiveCorruptException(id + ": the encrypted copy decrypts to SHA-256 " + actual + ", the "
              + "archive has " + expected);
        }
      });
    }
  }

  private String plaintextSha256(String id, Path stored) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = new DigestInputStream(encryption.open(Files.newInputStream(stored), describe(id)), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Override
  public Optional<Manifest> manifest(String id) throws IOException {
    if (!encryption.encrypts() && encryption.keys().isEmpty()) {
      return store.manifest(id);
    }
    if (!store.exists(id)) {
      return Optional.empty();
    }
    try (InputStream in = plaintext(id)) {
      return Optional.of(ArchiveStore.manifestOf(id, in));
    }
  }

  @Override
  public Manifest verify(String id) throws IOException {
    if (!encryption.encrypts() && encryption.keys().isEmpty()) {
      return store.verify(id);
    }
    try (InputStream in = plaintext(id)) {
      Manifest m = ArchiveStore.verifyStream(id, new KeepOpen(in));
      in.transferTo(OutputStream.nullOutputStream()); // to the end: a truncated ciphertext is refused there
      return m;
    }
  }

  @Override
  public Manifest download(String id, ArchiveStore into) throws IOException {
    if (primary) {
      return store.verify(id);
    }
    try (InputStream in = plaintext(id)) {
      return into.importArchive(id, in);
    }
  }

  /** The archive's tar, decrypted (chunk by chunk, each authenticated) when it is stored encrypted. */
  private InputStream plaintext(String id) throws IOException {
    InputStream stored = store.openStored(id);
    try {
      return encryption.open(stored, describe(id));
    } catch (IOException | RuntimeException e) {
      stored.close();
      throw e;
    }
  }

  @Override
  public Optional<String> encryptionKeyId(String id) throws IOException {
    if (!store.exists(id)) {
      return Optional.empty();
    }
    try (InputStream in = store.openStored(id)) {
      return ChunkedEncryption.keyIdOf(in);
    }
  }

  @Override
  public List<String> ids() throws IOException {
    if (encryption.encrypts() || !encryption.keys().isEmpty()) {
      return store.storedIds(); // not readable as tar files: listed by name, verified when used
    }
    return store.list().stream().map(Manifest::id).toList();
  }

  @Override
  public boolean delete(String id) throws IOException {
    refuseWhenReadOnly("delete archive " + id + " from");
    return store.delete(id);
  }

  private void refuseWhenReadOnly(String what) throws ReadOnlyException {
    if (readOnly) {
      throw new ReadOnlyException("storage location " + name + " is ReadOnly: the operator does not " + what + " "
          + where());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
