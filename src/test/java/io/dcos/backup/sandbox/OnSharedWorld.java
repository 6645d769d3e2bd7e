package io.dcos.backup.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class on the shared world ({@link SharedWorld#get()}): {@link #world} and {@link #client} are set before the
 * class's own {@code @BeforeAll} methods run. The world outlives the class, so nothing is closed after it.
 */
public abstract class OnSharedWorld {
  protected static EmbeddedWorld world;
  protected static KubernetesClient client;

  @BeforeAll
  static void useSharedWorld() throws Exception {
    world = SharedWorld.get();
    client = world.client();
  }
}
