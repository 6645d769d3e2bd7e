package io.dcos.backup.zookeeper;

/** The state must not be snapshotted (migration in progress, root missing, ACL denies read). Message is user-facing. */
public class StateUnavailableException extends Exception {
  public StateUnavailableException(String message) {
    super(message);
  }

  public StateUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
