package io.dcos.backup.engine;

import io.dcos.backup.marathon.FenceException;
import io.dcos.backup.marathon.MarathonException;
import io.dcos.backup.zookeeper.StateUnavailableException;

/**
 * The one translation of what a backup or restore threw into what its user reads (status.message, a Warning event,
 * the CLI). Every flow of the engine ends in {@link #translate}; none writes its own catch ladder.
 */
final class OperationFailures {
  /** Which operation failed: its words in the messages. */
  enum Operation {
    BACKUP("backup failed: ", "backed up"),
    RESTORE("restore failed: ", "restored");

    private final String failed;
    private final String participle;

    Operation(String failed, String participle) {
      this.failed = failed;
      this.participle = participle;
    }

    /** The prefix of a failure message, {@code "backup failed: "} or {@code "restore failed: "}. */
    String failed() {
      return failed;
    }
  }

  private OperationFailures() {}

  /** Work of an operation, whatever it throws. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work}, every failure but an interruption {@link #translate translated}: the one catch ladder of the
   * engine.
   */
  static <T> T translating(Operation operation, Work<T> work) throws OperationFailedException, InterruptedException {
    try {
      return work.run();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw translate(operation, e);
    }
  }

  /**
   * What {@code failure} means to the user of {@code operation}: a message already written for them is kept; the state
   * being unavailable (a migration, an ACL) says so; a Marathon or fence failure speaks for itself (its message names
   * Marathon); anything else is "backup failed: …" with its message, or its class when it has none. An
   * {@link InterruptedException} is not a failure: callers rethrow it before they get here.
   */
  static OperationFailedException translate(Operation operation, Exception failure) {
    if (failure instanceof OperationFailedException known) {
      return known;
    }
    if (failure instanceof StateUnavailableException) {
      return new OperationFailedException("Marathon state cannot be " + operation.participle + " now: "
          + failure.getMessage(), failure);
    }
    if (failure instanceof MarathonException || failure instanceof FenceException) {
      return new OperationFailedException(failure.getMessage(), failure);
    }
    return new OperationFailedException(operation.failed + describe(failure), failure);
  }

  /** A throwable's message, or its class's name when it has none. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
