package io.dcos.backup.crash;

import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.marathon.MarathonClient;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.store.ArchiveStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Objects, waits and store checks shared by the crash, fault, concurrency and recovery tests. */
public final class CrashSupport {
  private CrashSupport() {}

  /** As {@link ApiObjects#createNamespace}. */
  public static String createNamespace(KubernetesClient client, String prefix) {
    return ApiObjects.createNamespace(client, prefix);
  }


  /** As {@link ApiObjects#backup}. */
  public static Backup backup(String namespace, String name, String label) {
    return ApiObjects.backup(namespace, name, label);
  }

  /** As {@link ApiObjects#restore(String, String, String)}. */
  public static Restore restore(String namespace, String name, String backupId) {
    return ApiObjects.restore(namespace, name, backupId);
  }


  /** As {@link ApiObjects#phaseOf}. */
  public static Phase phase(HasMetadata object) {
    return ApiObjects.phaseOf(object);
  }

  /** As {@link ApiObjects#messageOf}. */
  public static String message(HasMetadata object) {
    return ApiObjects.messageOf(object);
  }

  /** As {@link ApiObjects#awaitTerminal}. */
  public static <T extends HasMetadata> T awaitTerminal(KubernetesClient client, Class<T> type, String ns, String name,
      Duration bound) {
    return ApiObjects.awaitTerminal(client, type, ns, name, bound);
  }

  static void awaitMarathonLeader(URI marathon, MarathonCredentials credentials, Duration bound) {
    MarathonClient client = new MarathonClient(marathon, credentials, Duration.ofSeconds(2));
    await().atMost(bound).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> client.info().elected());
  }

  /** Temp files of the store (dot-files ending .tmp): none may outlive an operator's crash once it runs again. */
  static List<Path> tempFiles(Path backupDir) throws IOException {
    try (Stream<Path> files = Files.list(backupDir)) {
      return files.filter(f -> f.getFileName().toString().startsWith(".")
          && f.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  /** Every archive in the store verifies: a crash never leaves a partial archive under an archive's name. */
  static void assertEveryArchiveVerifies(Path backupDir) throws IOException {
    ArchiveStore store = new ArchiveStore(backupDir);
    try (Stream<Path> files = Files.list(backupDir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".tar")).toList()) {
        String name = f.getFileName().toString();
        String id = name.substring(0, name.length() - ".tar".length());
        store.verify(id);
      }
    }
  }
}
