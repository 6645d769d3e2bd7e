package io.dcos.backup.control;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at second precision, as the Kubernetes API writes them. */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /** Zero when either end is unknown (an object that failed before it started). */
  public static java.time.Duration between(String start, String end) {
    if (start == null || end == null) {
      return java.time.Duration.ZERO;
    }
    return java.time.Duration.between(Instant.parse(start), Instant.parse(end));
  }

  /** Empty when absent or not a timestamp (a hand-edited annotation or status). */
  public static java.util.Optional<Instant> parse(String time) {
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
  public static String precise(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }
}
