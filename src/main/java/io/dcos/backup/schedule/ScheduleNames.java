package io.dcos.backup.schedule;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a schedule names what it creates. The Backup's DC/OS label is {@code <prefix>-<yyyyMMdd>-<HHmm>} (the fire
 * time in UTC), which must obey the DC/OS label rule (3–25 characters matching
 * {@code ^[A-Za-z0-9_][A-Za-z0-9_][A-Za-z0-9_.-]*$}) for every fire time: so the prefix is 2–11 characters of
 * [A-Za-z0-9_.-] whose first two are letters, digits or '_' (a 1-character prefix would put the suffix's '-' second).
 * The Backup object's name is
 * {@code <schedule>-<yyyyMMddHHmm>}: one name per fire time, so a repeated create of the same run is refused by
 * the API server instead of making a second backup.
 */
public final class ScheduleNames {
  /** Characters the suffix adds: "-" + yyyyMMdd + "-" + HHmm. */
  public static final int SUFFIX_LENGTH = 14;
  public static final int MAX_PREFIX_LENGTH = 25 - SUFFIX_LENGTH;
  /** The label's first two characters must be letters, digits or '_', and the suffix starts with '-'. */
  public static final int MIN_PREFIX_LENGTH = 2;
  /** The prefix rule, as the CRD's pattern (RE2) writes it too. */
  public static final String PREFIX_PATTERN = "^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{0,9}$";
  /** Kubernetes label values are at most 63 characters: the schedule's name is one (backup.dcos.io/schedule). */
  public static final int MAX_SCHEDULE_NAME_LENGTH = 63;
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern LEADING = Pattern.compile("[A-Za-z0-9_]");
  private static final DateTimeFormatter LABEL_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

  private ScheduleNames() {}

  /** Empty when the prefix yields a valid DC/OS label for every fire time, else why not. */
  public static Optional<String> validatePrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return Optional.of("label prefix is required");
    }
    if (prefix.length() > MAX_PREFIX_LENGTH) {
      return Optional.of("label prefix \"" + prefix + "\" is " + prefix.length() + " characters; at most "
          + MAX_PREFIX_LENGTH + " fit, since the backup label <prefix>-<yyyyMMdd>-<HHmm> must stay within the DC/OS "
          + "limit of 25");
    }
    if (!PREFIX.matcher(prefix).matches()) {
      return Optional.of("label prefix \"" + prefix + "\" may only contain the characters [A-Za-z0-9_.-]");
    }
    if (prefix.length() < MIN_PREFIX_LENGTH) {
      return Optional.of("label prefix \"" + prefix + "\" is " + prefix.length() + " character; at least "
          + MIN_PREFIX_LENGTH + " are needed, since the backup label <prefix>-<yyyyMMdd>-<HHmm> must start with two "
          + "letters, digits or '_'");
    }
    for (int i = 0; i < MIN_PREFIX_LENGTH; i++) {
      String c = prefix.substring(i, i + 1);
      if (!LEADING.matcher(c).matches()) {
        String where = i == 0 ? "start with '" + c + "'" : "have '" + c + "' as its second character";
        return Optional.of("label prefix \"" + prefix + "\" must not " + where + ": the backup label "
            + "<prefix>-<yyyyMMdd>-<HHmm> must start with two letters, digits or '_'");
      }
    }
    return Optional.empty();
  }

  public static Optional<String> validateScheduleName(String name) {
    if (name != null && name.length() > MAX_SCHEDULE_NAME_LENGTH) {
      return Optional.of("schedule name is " + name.length() + " characters; at most " + MAX_SCHEDULE_NAME_LENGTH
          + " fit in the label backup.dcos.io/schedule its Backups carry");
    }
    return Optional.empty();
  }

  public static String backupLabel(String prefix, Instant fireTime) {
    return prefix + "-" + LABEL_TIME.format(fireTime);
  }

  public static String backupName(String scheduleName, Instant fireTime) {
    return scheduleName + "-" + NAME_TIME.format(fireTime);
  }
}
