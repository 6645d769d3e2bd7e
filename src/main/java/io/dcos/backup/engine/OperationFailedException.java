package io.dcos.backup.engine;

/** An operation failed for a reason the user should read (status.message, Warning event, CLI). */
public class OperationFailedException extends Exception {
  public OperationFailedException(String message) {
    super(message);
  }

  public OperationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
