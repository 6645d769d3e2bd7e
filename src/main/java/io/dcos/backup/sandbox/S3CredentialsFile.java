package io.dcos.backup.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An access key pair read from a file, in either of the two forms people already have: environment lines
 * ({@code AWS_ACCESS_KEY_ID=…}, optionally {@code export}ed and quoted) or the AWS CLI's credentials file
 * ({@code [default]} then {@code aws_access_key_id = …}). Error messages name the file and the missing key, never
 * a value read from it.
 */
public final class S3CredentialsFile {
  private static final String ACCESS = "aws_access_key_id";
  private static final String SECRET = "aws_secret_access_key";

  /** The pair; {@link #toString()} shows the access key id only. */
  public record Keys(String accessKeyId, String secretAccessKey) {
    @Override
    public String toString() {
      return "access key id " + accessKeyId;
    }
  }

  private S3CredentialsFile() {}

  /** @throws IOException saying what is wrong with the file (missing, unreadable, without a key) */
  public static Keys read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("credentials file " + file + " does not exist");
    }
    if (!Files.isReadable(file)) {
      throw new IOException("credentials file " + file + " is not readable");
    }
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Keys outside any section, or in {@code [default]}; other profiles are ignored (a credentials file with several
   * profiles uses the default one, as the AWS CLI does without {@code --profile}).
   */
  static Keys parse(List<String> lines, String name) throws IOException {
    Map<String, String> found = new HashMap<>();
    String section = null;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1).strip();
        continue;
      }
      if (section != null && !section.equals("default")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int equals = line.indexOf('=');
      if (equals <= 0) {
        continue;
      }
      String key = line.substring(0, equals).strip().toLowerCase(Locale.ROOT);
      String value = unquote(line.substring(equals + 1).strip());
      if ((key.equals(ACCESS) || key.equals(SECRET)) && !value.isEmpty()) {
        found.put(key, value);
      }
    }
    for (String key : List.of(ACCESS, SECRET)) {
      if (!found.containsKey(key)) {
        throw new IOException("credentials file " + name + " has no " + key.toUpperCase(Locale.ROOT) + "=… line and "
            + "no " + key + " = … in a [default] section");
      }
    }
    return new Keys(found.get(ACCESS), found.get(SECRET));
  }

  private static String unquote(String value) {
    if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
        || value.startsWith("'") && value.endsWith("'"))) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }
}
