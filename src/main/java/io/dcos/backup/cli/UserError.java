package io.dcos.backup.cli;

/** A failure of {@code kubectl backup} the user can act on: printed as {@code error: <message>}, exit code 1. */
final class UserError extends RuntimeException {
  UserError(String message) {
    super(message);
  }

  /** The one line printed after "error: ". */
  static String describe(Throwable e) {
    if (e instanceof UserError) {
      return e.getMessage();
    }
    return oneLine(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
  }

  /** A message of the API server or the operator, which may span lines, as part of one line of output. */
  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
