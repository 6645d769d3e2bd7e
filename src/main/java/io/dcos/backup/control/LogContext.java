package io.dcos.backup.control;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.slf4j.MDC;

/** Puts the object and its backup ID on every log line written while it is open (logback pattern: %X{…}). */
public final class LogContext implements AutoCloseable {
  public static final String OBJECT = "object";
  public static final String BACKUP_ID = "backupId";

  private LogContext() {}

  public static LogContext of(HasMetadata object, String backupId) {
    MDC.put(OBJECT, object.getKind() + "/" + object.getMetadata().getNamespace() + "/"
        + object.getMetadata().getName());
    if (backupId != null) {
      MDC.put(BACKUP_ID, backupId);
    } else {
      MDC.remove(BACKUP_ID);
    }
    return new LogContext();
  }

  @Override
  public void close() {
    MDC.remove(OBJECT);
    MDC.remove(BACKUP_ID);
  }
}
