package io.dcos.backup.sandbox;

import io.dcos.backup.api.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** What the demo prints: its steps as they start and pass, remarks, and each object's phase when it changes. */
final class DemoLog {

  /** One step of the story. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  private final PrintStream out;
  private final Map<String, String> lastSeen = new ConcurrentHashMap<>();

  DemoLog(PrintStream out) {
    this.out = out;
  }

  /** Runs {@code step}, printed before and after; a failure names the step. */
  void step(String name, Step step) throws SandboxDemo.StepFailed {
    say("▶ " + name);
    try {
      step.run();
    } catch (Exception e) {
      throw new SandboxDemo.StepFailed(name, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    say("✔ " + name);
  }

  void say(String line) {
    out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "  " + line);
    out.flush();
  }

  /** A watcher printing an object's phase and message whenever they change. */
  <T extends HasMetadata> Watcher<T> printer(String kind, Function<T, Phase> phase, Function<T, String> message) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        String key = kind + "/" + object.getMetadata().getName();
        Phase now = phase.apply(object);
        String line = now == null ? "(no status yet)" : now + (message.apply(object) == null ? ""
            : "  " + message.apply(object));
        if (action == Action.DELETED) {
          line = "deleted";
        }
        String previous = lastSeen.put(key, line);
        if (!Objects.equals(previous, line)) {
          say("  " + key + ": " + line);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        // closed when the demo ends
      }
    };
  }
}
