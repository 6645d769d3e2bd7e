package io.dcos.backup.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A filesystem location: an {@link ArchiveStore} directory, the backup directory itself or another one. */
public final class DirectoryLocation implements ArchiveLocation {
  private final String name;
  private final ArchiveStore store;
  private final boolean primary;
  private final boolean readOnly;

  public DirectoryLocation(String name, ArchiveStore store, boolean primary, boolean readOnly) {
    this.name = name;
    this.store = store;
    this.primary = primary;
    this.readOnly = readOnly;
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
    if (store.manifest(id).isPresent()) {
      return; // copied by an earlier attempt (imports publish only verified, complete archives)
    }
    try (InputStream in = Files.newInputStream(archive)) {
      store.importArchive(id, in);
    }
  }

  @Override
  public Optional<Manifest> manifest(String id) throws IOException {
    return store.manifest(id);
  }

  @Override
  public Manifest verify(String id) throws IOException {
    return store.verify(id);
  }

  @Override
  public Manifest download(String id, ArchiveStore into) throws IOException {
    if (primary) {
      return store.verify(id);
    }
    try (InputStream in = Files.newInputStream(store.location(id))) {
      return into.importArchive(id, in);
    }
  }

  @Override
  public List<String> ids() throws IOException {
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
}
