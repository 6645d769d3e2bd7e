package io.dcos.backup.control;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events for phase transitions (Normal) and failures (Warning), shown by `kubectl describe`.
 *
 * <p>The same Event (object, type, reason, message) is recorded once per {@link #REPEAT_AFTER}: a reconcile that
 * runs again on a cache that does not show its own status write yet decides the same thing twice, and a wait that is
 * re-checked every few seconds would otherwise write an Event each time.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "marathon-backup-operator";
  static final Duration REPEAT_AFTER = Duration.ofMinutes(10);
  private static final int REMEMBERED = 4096;

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Instant> recent = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
      return size() > REMEMBERED;
    }
  };

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message);
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message);
  }

  private void record(HasMetadata object, String type, String reason, String message) {
    var metadata = object.getMetadata();
    if (!firstInAWhile(metadata.getUid() + "\u0000" + metadata.getNamespace() + "/" + metadata.getName() + "\u0000"
        + type + "\u0000" + reason + "\u0000" + message)) {
      return;
    }
    String now = Times.format(clock.instant());
    var event = new EventBuilder()
        .withNewMetadata()
        .withName(metadata.getName() + "." + UUID.randomUUID().toString().substring(0, 8))
        .withNamespace(metadata.getNamespace())
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(object.getApiVersion())
            .withKind(object.getKind())
            .withName(metadata.getName())
            .withNamespace(metadata.getNamespace())
            .withUid(metadata.getUid())
            .withResourceVersion(metadata.getResourceVersion())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    try {
      client.v1().events().inNamespace(metadata.getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      // An event is a courtesy: never fail or retry a reconcile because one could not be written.
      log.warn("could not record {} event {} for {}/{}: {}", type, reason, metadata.getNamespace(),
          metadata.getName(), e.getMessage());
    }
  }

  private synchronized boolean firstInAWhile(String key) {
    Instant now = clock.instant();
    Instant last = recent.get(key);
    if (last != null && now.isBefore(last.plus(REPEAT_AFTER))) {
      return false;
    }
    recent.put(key, now);
    return true;
  }
}
