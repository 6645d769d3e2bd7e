package io.dcos.backup.control;

import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationSpec;
import io.dcos.backup.api.BackupStorageLocationStatus;
import io.dcos.backup.engine.BackupService;
import io.dcos.backup.store.ArchiveLocation;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.DirectoryLocation;
import io.dcos.backup.store.EncryptionKeys;
import io.dcos.backup.store.S3Location;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BackupStorageLocations (in one namespace, the operator's) turned into {@link ArchiveLocation}s, with their
 * credentials read from Secrets. Every lookup asks the API server, never an informer cache: a Backup resumed right
 * after the operator started must find its location even before any cache has synced, and a location nobody
 * created yet must not fail it. With no location marked default, Backups go to the backup directory, as they did
 * before locations existed; only two defaults are an error.
 */
public final class StorageLocations implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StorageLocations.class);

  private final KubernetesClient client;
  private final String namespace;
  private final BackupService service;
  private final ArchiveLocation backupDirectory;
  /** Built locations by name, with the versions of the object and Secrets they were built from. */
  private final Map<String, Built> built = new ConcurrentHashMap<>();
  private volatile Runnable becameAvailable;

  private record Built(String fingerprint, ArchiveLocation location) {}

  /** A location and the name a Backup's status records for it. */
  public record Resolved(String name, ArchiveLocation location) {}

  /** Thrown when a Backup's location cannot be used; the message is the Backup's failure reason. */
  public static class LocationException extends IOException {
    public LocationException(String message) {
      super(message);
    }
  }

  /** @param namespace where locations live; null: none, everything is in the backup directory */
  public StorageLocations(KubernetesClient client, String namespace, BackupService service) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.backupDirectory = new DirectoryLocation(BackupStorageLocation.DEFAULT_NAME, service.store(), true, false);
  }

  /** Only the backup directory (tests and tools without Kubernetes locations). */
  public static StorageLocations backupDirectoryOnly(BackupService service) {
    return new StorageLocations(null, null, service);
  }

  public String namespace() {
    return namespace;
  }

  /** The backup directory as a location: where archives of Backups that name none and predate locations are. */
  public ArchiveLocation backupDirectory() {
    return backupDirectory;
  }

  /** Where a new Backup goes: the named location, or the default one. */
  public Resolved forNewBackup(String name) throws IOException {
    if (name != null) {
      return named(name);
    }
    if (client == null || namespace == null) {
      return new Resolved(null, backupDirectory);
    }
    List<BackupStorageLocation> defaults = list().stream().filter(l -> l.getSpec() != null
        && l.getSpec().defaultLocation()).toList();
    if (defaults.size() > 1) {
      throw new LocationException("more than one BackupStorageLocation in namespace " + namespace + " is marked "
          + "default (" + String.join(", ", defaults.stream().map(l -> l.getMetadata().getName()).sorted().toList())
          + "): set spec.storageLocation, or leave default: true on one");
    }
    if (defaults.isEmpty()) {
      return new Resolved(null, backupDirectory);
    }
    return new Resolved(defaults.get(0).getMetadata().getName(), open(defaults.get(0)));
  }

  /**
   * Where an existing Backup's archive is: the location its status records. None recorded (made before locations
   * existed), or a location since deleted: the backup directory, where such an archive is, if anywhere the operator
   * can still reach.
   */
  public Resolved forExistingBackup(String recorded) throws IOException {
    if (recorded == null) {
      return new Resolved(null, backupDirectory);
    }
    try {
      return named(recorded);
    } catch (NotFound gone) {
      log.warn("{}; looking for its archives in the backup directory", gone.getMessage());
      return new Resolved(recorded, backupDirectory);
    }
  }

  private static final class NotFound extends LocationException {
    NotFound(String message) {
      super(message);
    }
  }

  private Resolved named(String name) throws IOException {
    if (client == null || namespace == null) {
      throw new LocationException("storage location " + name + " cannot be used: the operator has no namespace for "
          + "BackupStorageLocations (RECOVERY_NAMESPACE)");
    }
    BackupStorageLocation found;
    try {
      found = client.resources(BackupStorageLocation.class).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IOException("cannot read BackupStorageLocation " + namespace + "/" + name + ": "
          + Failures.message(e), e);
    }
    if (found == null) {
      throw new NotFound("BackupStorageLocation " + name + " not found in namespace " + namespace);
    }
    return new Resolved(name, open(found));
  }

  /**
   * For archive recovery: every location its last check found Available, ReadOnly ones included, and those not
   * checked yet if they pass a check now (recovery at start must not wait for the first periodic check).
   */
  public List<Resolved> available() {
    if (client == null || namespace == null) {
      return List.of();
    }
    return list().stream()
        .filter(l -> l.getStatus() == null || l.getStatus().phase() == null
            || l.getStatus().phase() == BackupStorageLocationStatus.LocationPhase.Available)
        .flatMap(l -> {
          try {
            ArchiveLocation location = open(l);
            if (l.getStatus() == null || l.getStatus().phase() == null) {
              location.check();
            }
            return java.util.stream.Stream.of(new Resolved(l.getMetadata().getName(), location));
          } catch (IOException | RuntimeException e) {
            log.warn("storage location {} skipped: {}", l.getMetadata().getName(), e.getMessage());
            return java.util.stream.Stream.empty();
          }
        })
        .toList();
  }

  /** Called (by the location check) when a location becomes Available: archive recovery then scans at once. */
  public void onBecameAvailable(Runnable listener) {
    becameAvailable = listener;
  }

  public void becameAvailable() {
    Runnable listener = becameAvailable;
    if (listener != null) {
      listener.run();
    }
  }

  private List<BackupStorageLocation> list() {
    return client.resources(BackupStorageLocation.class).inNamespace(namespace).list().getItems();
  }

  /** Creates the default filesystem location on the backup directory when the namespace has no location at all. */
  public void createDefaultIfNone() {
    if (client == null || namespace == null) {
      return;
    }
    try {
      if (!list().isEmpty()) {
        return;
      }
      BackupStorageLocation location = new BackupStorageLocation();
      location.getMetadata().setName(BackupStorageLocation.DEFAULT_NAME);
      location.getMetadata().setNamespace(namespace);
      location.setSpec(new BackupStorageLocationSpec(BackupStorageLocationSpec.Provider.filesystem, true,
          BackupStorageLocationSpec.AccessMode.ReadWrite,
          new BackupStorageLocationSpec.Filesystem(service.store().directory().toString()), null));
      client.resource(location).create();
      log.info("created the default BackupStorageLocation {}/{} on the backup directory {}", namespace,
          BackupStorageLocation.DEFAULT_NAME, service.store().directory());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.warn("could not create the default BackupStorageLocation in {}: {}", namespace,
            Failures.message(e));
      }
    }
  }

  /** The location an object describes (its Secrets read now); cached until the object or a Secret changes. */
  public ArchiveLocation open(BackupStorageLocation object) throws IOException {
    BackupStorageLocationSpec spec = object.getSpec();
    String name = object.getMetadata().getName();
    if (spec == null || spec.provider() == null) {
      throw new LocationException("BackupStorageLocation " + name + " has no spec.provider");
    }
    return switch (spec.provider()) {
      case filesystem -> filesystem(object);
      case s3 -> s3(object);
    };
  }

  private ArchiveLocation filesystem(BackupStorageLocation object) throws IOException {
    String name = object.getMetadata().getName();
    BackupStorageLocationSpec spec = object.getSpec();
    if (spec.filesystem() == null || spec.filesystem().path() == null) {
      throw new LocationException("BackupStorageLocation " + name + " has provider filesystem but no "
          + "spec.filesystem.path");
    }
    Path path = Path.of(spec.filesystem().path()).toAbsolutePath().normalize();
    boolean primary = path.equals(service.store().directory());
    if (primary && spec.filesystem().encryption() != null) {
      throw new LocationException("BackupStorageLocation " + name + ": spec.filesystem.encryption needs a directory "
          + "other than the operator's backup directory " + path + ", where archives are made and restored from in "
          + "plaintext (e.g. a subdirectory of it)");
    }
    if (primary) {
      return new DirectoryLocation(name, service.store(), true, spec.readOnly());
    }
    Keys keys = keys(name, spec.filesystem().encryption());
    String fingerprint = "fs:" + path + ":" + spec.readOnly() + ":" + keys.fingerprint();
    Built cached = built.get(name);
    if (cached != null && cached.fingerprint().equals(fingerprint)) {
      return cached.location();
    }
    ArchiveLocation location;
    try {
      location = new DirectoryLocation(name, new ArchiveStore(path), false, spec.readOnly(), keys.encryption());
    } catch (IllegalArgumentException e) {
      throw new LocationException("BackupStorageLocation " + name + ": " + e.getMessage());
    }
    built.put(name, new Built(fingerprint, location));
    return location;
  }

  /** A location's encryption keys, and the version of the Secret they came from (what the cache compares). */
  private record Keys(EncryptionKeys encryption, String fingerprint) {}

  private Keys keys(String location, BackupStorageLocationSpec.Encryption encryption) throws IOException {
    if (encryption == null) {
      return new Keys(EncryptionKeys.NONE, "");
    }
    Secret keySecret = secret(location, encryption.keySecret());
    Map<String, byte[]> keys = new HashMap<>();
    if (keySecret.getData() != null) {
      for (var entry : keySecret.getData().entrySet()) {
        keys.put(entry.getKey(), Base64.getDecoder().decode(entry.getValue()));
      }
    }
    try {
      return new Keys(new EncryptionKeys(encryption.keyId(), keys), encryption.keyId() + "@"
          + keySecret.getMetadata().getResourceVersion());
    } catch (IllegalArgumentException e) {
      throw new LocationException("BackupStorageLocation " + location + ": " + e.getMessage());
    }
  }

  private ArchiveLocation s3(BackupStorageLocation object) throws IOException {
    String name = object.getMetadata().getName();
    BackupStorageLocationSpec spec = object.getSpec();
    BackupStorageLocationSpec.S3 s3 = spec.s3();
    if (s3 == null || s3.bucket() == null || s3.credentialsSecret() == null) {
      throw new LocationException("BackupStorageLocation " + name + " has provider s3 but no spec.s3.bucket or "
          + "spec.s3.credentialsSecret");
    }
    Secret credentials = secret(name, s3.credentialsSecret().name());
    String accessKey = key(name, credentials, s3.credentialsSecret().effectiveAccessKeyIdKey());
    String secretKey = key(name, credentials, s3.credentialsSecret().effectiveSecretAccessKeyKey());
    String ca = null;
    String caVersion = "";
    if (s3.caBundleSecret() != null) {
      Secret caSecret = secret(name, s3.caBundleSecret().name());
      ca = key(name, caSecret, s3.caBundleSecret().key());
      caVersion = caSecret.getMetadata().getResourceVersion();
    }
    Keys keys = keys(name, s3.encryption());
    String fingerprint = "s3:" + object.getMetadata().getResourceVersion() + ":" + object.getMetadata().getGeneration()
        + ":" + credentials.getMetadata().getResourceVersion() + ":" + caVersion + ":" + keys.fingerprint();
    Built cached = built.get(name);
    if (cached != null && cached.fingerprint().equals(fingerprint)) {
      return cached.location();
    }
    ArchiveLocation location;
    try {
      location = new S3Location(new S3Location.Settings(name, s3.bucket(), s3.prefix(), s3.region(),
          s3.endpoint() == null ? null : URI.create(s3.endpoint()), Boolean.TRUE.equals(s3.pathStyle()), accessKey,
          secretKey, ca, spec.readOnly(),
          s3.serverSideEncryption() == null ? null
              : s3.serverSideEncryption() == BackupStorageLocationSpec.ServerSideEncryption.AES256 ? "AES256"
                  : "aws:kms",
          s3.kmsKeyId(), keys.encryption().writeKeyId(), keys.encryption().keys()));
    } catch (IllegalArgumentException e) {
      throw new LocationException("BackupStorageLocation " + name + ": " + e.getMessage());
    }
    Built previous = built.put(name, new Built(fingerprint, location));
    if (previous != null) {
      previous.location().close();
    }
    return location;
  }

  private Secret secret(String location, String secretName) throws IOException {
    try {
      Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
      if (secret == null) {
        throw new LocationException("BackupStorageLocation " + location + ": Secret " + namespace + "/" + secretName
            + " not found");
      }
      return secret;
    } catch (KubernetesClientException e) {
      throw new IOException("BackupStorageLocation " + location + ": cannot read Secret " + namespace + "/"
          + secretName + ": " + Failures.message(e), e);
    }
  }

  private static String key(String location, Secret secret, String key) throws LocationException {
    String value = Optional.ofNullable(secret.getData()).map(d -> d.get(key))
        .map(v -> new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8))
        .or(() -> Optional.ofNullable(secret.getStringData()).map(d -> d.get(key)))
        .orElse(null);
    if (value == null || value.isBlank()) {
      throw new LocationException("BackupStorageLocation " + location + ": Secret " + secret.getMetadata().getName()
          + " has no key " + key);
    }
    return value.trim();
  }

  @Override
  public void close() {
    built.values().forEach(b -> b.location().close());
    built.clear();
  }
}
