package io.dcos.backup.reconciler;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at second precision, as the Kubernetes API writes them. */
final class Times {
  private Times() {}

  static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /** Zero when either end is unknown (an object that failed before it started). */
  static java.time.Duration between(String start, String end) {
    if (start == null || end == null) {
      return java.time.Duration.ZERO;
    }
    return java.time.Duration.between(Instant.parse(start), Instant.parse(end));
  }

  /** Empty when absent or not a timestamp (a hand-edited annotation or status). */
  static java.util.Optional<Instant> parse(String time) {
    if (time == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(Instant.parse(time));
    } catch (java.time.format.DateTimeParseException e) {
      return java.util.Optional.empty();
    }
  }

  /** With milliseconds, for start and completion of operations: their order matters below one second. */
  static String precise(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }
}
