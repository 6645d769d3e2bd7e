package io.dcos.backup.control;

/** A failure as statuses, Events and logs say it. */
public final class Failures {
  private Failures() {}

  /** The exception's message; its class name when it has none (a bare NullPointerException says nothing else). */
  public static String message(Exception failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }
}
