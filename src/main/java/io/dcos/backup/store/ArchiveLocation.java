package io.dcos.backup.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A place archives are kept besides the operator's own backup directory: another directory, or an S3 bucket.
 * Archives are always written and verified in the backup directory first ({@link ArchiveStore}) and copied here
 * whole; a restore copies one back, verified, before anything touches ZooKeeper. The backup directory itself is
 * the {@link #primary()} location, for which every copy is a no-op.
 */
public interface ArchiveLocation extends AutoCloseable {
  /** The BackupStorageLocation's name. */
  String name();

  /** Listed and read only: {@link #upload} and {@link #delete} refuse. */
  boolean readOnly();

  /** The operator's backup directory: archives are already here, nothing is copied. */
  boolean primary();

  /** {@code s3://bucket/prefix/} or the directory, for status and logs (never credentials). */
  String where();

  /** The object key (or file name) of an archive. */
  String objectKey(String id);

  /** Where an archive is, e.g. {@code s3://bucket/prefix/<id>.tar}. */
  default String describe(String id) {
    return where() + id + ".tar";
  }

  /** Throws, saying why, when the location cannot be used (unreachable, wrong credentials, no such bucket). */
  void check() throws IOException;

  /** Copies a complete, verified archive here; it becomes visible only once whole. */
  void upload(String id, Path archive) throws IOException;

  /** The manifest of a complete archive, empty when there is none under that id. */
  Optional<Manifest> manifest(String id) throws IOException;

  /** Reads the whole archive and checks framing, checksums, counts and SHA-256, keeping nothing. */
  Manifest verify(String id) throws IOException;

  /** Copies an archive into the backup directory, verified in full before it appears there. */
  Manifest download(String id, ArchiveStore into) throws IOException;

  /**
   * The id of the key the stored archive is encrypted with, read from the plaintext header of its ciphertext (never
   * the key); empty when it is stored in plaintext. A restore reads the same header to pick the key, before it can
   * decrypt anything: the manifest is inside the ciphertext.
   */
  default Optional<String> encryptionKeyId(String id) throws IOException {
    return Optional.empty();
  }

  /** The ids of the complete archives. */
  List<String> ids() throws IOException;

  /** @return whether there was an archive to delete */
  boolean delete(String id) throws IOException;

  @Override
  default void close() {}

  /** Thrown by writes to a ReadOnly location. */
  final class ReadOnlyException extends IOException {
    public ReadOnlyException(String message) {
      super(message);
    }
  }
}
