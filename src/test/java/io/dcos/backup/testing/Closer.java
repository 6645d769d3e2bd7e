package io.dcos.backup.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a class's {@code @BeforeAll} started, after all its tests, last started first; every resource is
 * closed even when one fails, and the first failure is thrown. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final Closer CLOSER = new Closer();
 * ... world = CLOSER.add(SharedWorld.builder(1, "my-backups").withOperator(false).start());
 * }</pre>
 */
public final class Closer implements AfterAllCallback {
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Closes {@code resource} after all tests, before what was added earlier; returns it. */
  public synchronized <T extends AutoCloseable> T add(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  public synchronized void close() throws Exception {
    Exception first = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
