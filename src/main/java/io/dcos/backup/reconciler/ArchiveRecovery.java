package io.dcos.backup.reconciler;

public final class ArchiveRecovery implements AutoCloseable {
  public static ArchiveRecovery start(io.fabric8.kubernetes.client.KubernetesClient client,
      io.dcos.backup.store.ArchiveStore store, EventRecorder events, String namespace, java.time.Duration interval,
      java.time.Clock clock) {
    return new ArchiveRecovery();
  }

  @Override
  public void close() {}
}
