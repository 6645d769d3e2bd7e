package io.dcos.backup.cli;

import static io.dcos.backup.cli.UserError.oneLine;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Waits for the operator to act on a Backup or Restore the plugin created, showing the user what it does. */
final class StatusFollower {
  static final Duration POLL = Duration.ofMillis(500);
  /** How long `create` without --wait waits for the operator to assign the backup ID. */
  static final Duration ID_WAIT = Duration.ofSeconds(15);
  /** --wait says "waiting for the operator" only when it does not answer at once (so the ID is the first line). */
  static final Duration QUIET_START = Duration.ofSeconds(3);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final KubeConnection kube;
  private final PrintWriter out;

  StatusFollower(KubeConnection kube, PrintWriter out) {
    this.kube = kube;
    this.out = out;
  }

  /** How {@link #follow} reads an object's progress. */
  record Progress<T>(Function<T, Phase> phase, Function<T, String> message, Function<T, String> id) {}

  /** The backup ID the operator assigns, within {@link #ID_WAIT}; empty when it does not. */
  Optional<String> awaitId(String name) {
    long deadline = System.nanoTime() + ID_WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      Backup current = kube.get(Backup.class, name);
      if (current != null && current.getStatus() != null && current.getStatus().id() != null) {
        return Optional.of(current.getStatus().id());
      }
      if (current != null && BackupRecords.phase(current) == Phase.STATUS_ERROR) {
        throw new UserError("backup " + name + " failed: " + oneLine(current.getStatus().message()));
      }
      sleep();
    }
    return Optional.empty();
  }

  /**
   * Follows the object until its phase is terminal, printing each change of phase or message (and the backup ID the
   * moment it is assigned, first, on a line of its own). A watch from the object's resourceVersion delivers every
   * status the operator writes, so a phase that lasts less than a poll interval is still shown; a GET every
   * {@link #POLL} without news covers a watch that is refused or drops.
   */
  <T extends HasMetadata> T follow(Class<T> type, String name, Duration timeout, Progress<T> progress) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    String printedId = null;
    String last = null;
    BlockingQueue<Optional<T>> updates = new LinkedBlockingQueue<>();
    T current = kube.get(type, name);
    Watch watch = current == null ? null : watchFrom(type, name, current.getMetadata().getResourceVersion(), updates);
    try {
      while (true) {
        if (current == null) {
          throw new UserError(type.getSimpleName() + " " + kube.namespace() + "/" + name
              + " was deleted while waiting for it");
        }
        String currentId = progress.id().apply(current);
        if (currentId != null && printedId == null) {
          printedId = currentId;
          out.println(currentId);
        }
        Phase p = progress.phase().apply(current);
        String m = progress.message().apply(current);
        String line = (p == null ? "waiting for the operator" : p.name()) + (m == null ? "" : "  " + oneLine(m));
        boolean quietStart = p == null && System.nanoTime() - started < QUIET_START.toNanos();
        if (!line.equals(last) && !quietStart) {
          out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS).format(CLOCK) + "  " + line);
          last = line;
        }
        out.flush();
        if (p != null && p.isTerminal()) {
          return current;
        }
        if (System.nanoTime() - deadline > 0) {
          throw new UserError("timed out after " + timeout.toSeconds() + "s waiting for " + type.getSimpleName() + " "
              + kube.namespace() + "/" + name + " (still " + (p == null ? "without status" : p.name()) + ")");
        }
        Optional<T> update = nextUpdate(updates);
        current = update != null ? update.orElse(null) : kube.get(type, name);
      }
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  /** A watch feeding {@code updates} (empty = deleted), or null when the API refuses it (polling then suffices). */
  private <T extends HasMetadata> Watch watchFrom(Class<T> type, String name,
      String resourceVersion, BlockingQueue<Optional<T>> updates) {
    try {
      return kube.client().resources(type).inNamespace(kube.namespace()).withName(name).watch(
          new ListOptionsBuilder().withResourceVersion(resourceVersion).build(),
          new Watcher<T>() {
            @Override
            public void eventReceived(Action action, T resource) {
              updates.add(action == Action.DELETED ? Optional.empty() : Optional.of(resource));
            }

            @Override
            public void onClose(WatcherException cause) {
              // the GET every POLL takes over
            }
          });
    } catch (KubernetesClientException refused) {
      return null;
    }
  }

  /** The next watched version within {@link #POLL}, or null when there was none (then the caller GETs). */
  private static <T> Optional<T> nextUpdate(BlockingQueue<Optional<T>> updates) {
    return interruptibly(() -> updates.poll(POLL.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static void sleep() {
    interruptibly(() -> {
      Thread.sleep(POLL.toMillis());
      return null;
    });
  }

  /** A wait the user's Ctrl-C cuts short. */
  @FunctionalInterface
  private interface Wait<T> {
    T call() throws InterruptedException;
  }

  private static <T> T interruptibly(Wait<T> wait) {
    try {
      return wait.call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    }
  }
}
