package io.dcos.backup.engine;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The DC/OS backup label rules and ID scheme, checked by the operator too: never trust that the API server did. The
 * DC/OS backup service's rule: 3–25 characters matching {@code ^[A-Za-z0-9_][A-Za-z0-9_][A-Za-z0-9_.-]*$} — so a
 * label starts with two letters, digits or underscores (not "..", "." or "-": the archive's file name and the
 * {@code kubectl backup show <id>} argument start with it).
 */
public final class BackupLabels {
  public static final int MIN_LENGTH = 3;
  public static final int MAX_LENGTH = 25;
  /** The DC/OS rule, as the CRD's pattern (RE2) writes it too. */
  public static final String PATTERN = "^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$";
  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern LEADING = Pattern.compile("[A-Za-z0-9_]");
  private static final Pattern BACKUP_ID = Pattern.compile(
      "[A-Za-z0-9_.-]{3,25}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

  private BackupLabels() {}

  /** Empty when the label is valid, else a message a user can act on. */
  public static Optional<String> validate(String label) {
    if (label == null || label.isEmpty()) {
      return Optional.of("label is required");
    }
    if (label.length() < MIN_LENGTH || label.length() > MAX_LENGTH) {
      return Optional.of("label \"" + printable(label) + "\" must be between " + MIN_LENGTH + " and " + MAX_LENGTH
          + " characters long (is " + label.length() + ")");
    }
    if (!ALLOWED.matcher(label).matches()) {
      return Optional.of("label \"" + printable(label) + "\" may only contain the characters [A-Za-z0-9_.-]");
    }
    return leadingProblem(label);
  }

  /**
   * Empty when the first two characters are letters, digits or '_', else which one is not: the DC/OS rule that keeps
   * a label (and the ID and archive name made from it) from starting with "..", "." or "-".
   */
  private static Optional<String> leadingProblem(String label) {
    for (int i = 0; i < 2; i++) {
      String c = label.substring(i, i + 1);
      if (!LEADING.matcher(c).matches()) {
        String where = i == 0 ? "start with '" + c + "'" : "have '" + c + "' as its second character";
        return Optional.of("label \"" + printable(label) + "\" must not " + where
            + ": its first two characters must be letters, digits or '_'");
      }
    }
    return Optional.empty();
  }

  /** {@code <label>-<uuid4>}, as the DC/OS backup service named backups. */
  public static String newBackupId(String label) {
    return label + "-" + UUID.randomUUID();
  }

  /**
   * {@code <label>-<uuid4>} derived from a seed (an object's UID): the same object always gets the same ID, so a
   * reconcile that runs again on a stale cache cannot give one backup two names.
   */
  public static String backupIdFor(String label, String seed) {
    byte[] hash;
    try {
      hash = java.security.MessageDigest.getInstance("SHA-256")
          .digest((label + "\u0000" + seed).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x40); // version 4 layout
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(hash);
    return label + "-" + new UUID(bytes.getLong(), bytes.getLong());
  }

  public static boolean isBackupId(String id) {
    return id != null && BACKUP_ID.matcher(id).matches() && validate(labelOf(id)).isEmpty();
  }

  /** The label part of a backup ID (everything before the trailing UUID). */
  public static String labelOf(String id) {
    return id.length() > 37 ? id.substring(0, id.length() - 37) : id;
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(40).forEach(cp -> {
      if (cp < 0x20 || cp == 0x7f) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    return out.toString();
  }
}
