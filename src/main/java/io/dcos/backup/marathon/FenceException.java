package io.dcos.backup.marathon;

/**
 * The Marathon fence could not be taken or Marathon did not come back in time. The message says which wait
 * timed out, e.g. "Marathon leader 127.0.0.1:8081 did not abdicate within 30s".
 */
public class FenceException extends Exception {
  public FenceException(String message) {
    super(message);
  }

  public FenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
