package io.dcos.backup.zookeeper;

/**
 * The subtree changed while it was being read, so the snapshot may mix states from different moments (for instance
 * an app version whose parent was already deleted). Retrying, or taking the snapshot while Marathon is not writing,
 * resolves it.
 */
public class StateChangedException extends StateUnavailableException {
  public StateChangedException(String message) {
    super(message);
  }
}
