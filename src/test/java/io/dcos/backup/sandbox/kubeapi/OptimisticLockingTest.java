package io.dcos.backup.sandbox.kubeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Writes carrying a resourceVersion succeed only against that version, as on a real API server — even when many
 * arrive at once: two operator replicas must not overwrite each other's status.
 */
class OptimisticLockingTest {
  private static EmbeddedKubeApi api;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    api = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(EmbeddedKubeApiTest.CRDS), 0);
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void aStatusWriteFromAStaleVersionIsAConflict() {
    GenericKubernetesResource created = client.resource(EmbeddedKubeApiTest.backup("stale", "stale")).create();
    GenericKubernetesResource first = copyWithStatus(created, "STATUS_BACKING_UP");
    client.genericKubernetesResources("backup.dcos.io/v1alpha1", "Backup").resource(first).updateStatus();
    GenericKubernetesResource stale = copyWithStatus(created, "STATUS_ERROR");
    assertThatThrownBy(() -> client.genericKubernetesResources("backup.dcos.io/v1alpha1", "Backup").resource(stale)
        .updateStatus())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void ofManyConcurrentWritesFromOneVersionExactlyOneWins() throws Exception {
    GenericKubernetesResource created = client.resource(EmbeddedKubeApiTest.backup("race", "race")).create();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> attempts = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        GenericKubernetesResource write = copyWithStatus(created, "STATUS_BACKING_UP-" + i);
        attempts.add(pool.submit(() -> {
          try {
            client.genericKubernetesResources("backup.dcos.io/v1alpha1", "Backup").resource(write).updateStatus();
            return true;
          } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
              return false;
            }
            throw e;
          }
        }));
      }
      int won = 0;
      for (Future<Boolean> attempt : attempts) {
        won += attempt.get() ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  private static GenericKubernetesResource copyWithStatus(GenericKubernetesResource original, String message) {
    GenericKubernetesResource copy = client.getKubernetesSerialization()
        .clone(original);
    copy.setAdditionalProperty("status", Map.of("message", message));
    return copy;
  }
}
