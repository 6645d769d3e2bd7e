package io.dcos.backup.marathon;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/** How to authenticate to Marathon. {@code toString} never reveals secrets. */
public sealed interface MarathonCredentials
    permits MarathonCredentials.None, MarathonCredentials.Basic, MarathonCredentials.Token {

  static MarathonCredentials none() {
    return None.INSTANCE;
  }

  /** HTTP basic authentication, as open-source Marathon supports it. */
  static MarathonCredentials basic(String user, String password) {
    return new Basic(user, password);
  }

  /** A DC/OS ACS token, sent as {@code Authorization: token=<t>}. */
  static MarathonCredentials token(String acsToken) {
    return new Token(acsToken);
  }

  /** The value of the {@code Authorization} header, if any. */
  Optional<String> authorizationHeader();

  /** A short, secret-free description for error messages ("no credentials", "basic credentials of user 'x'"). */
  String describe();

  final class None implements MarathonCredentials {
    private static final None INSTANCE = new None();

    private None() {}

    @Override
    public Optional<String> authorizationHeader() {
      return Optional.empty();
    }

    @Override
    public String describe() {
      return "no credentials";
    }

    @Override
    public String toString() {
      return "MarathonCredentials.none()";
    }
  }

  final class Basic implements MarathonCredentials {
    private final String user;
    private final String password;

    private Basic(String user, String password) {
      this.user = Objects.requireNonNull(user, "user");
      this.password = Objects.requireNonNull(password, "password");
      if (user.contains(":")) {
        throw new IllegalArgumentException("a basic-auth user name cannot contain ':'");
      }
    }

    public String user() {
      return user;
    }

    @Override
    public Optional<String> authorizationHeader() {
      String raw = user + ":" + password;
      return Optional.of("Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String describe() {
      return "basic credentials of user '" + user + "'";
    }

    @Override
    public String toString() {
      return "MarathonCredentials.basic(" + user + ", ****)";
    }
  }

  final class Token implements MarathonCredentials {
    private final String token;

    private Token(String token) {
      this.token = Objects.requireNonNull(token, "acsToken");
      if (token.isBlank()) {
        throw new IllegalArgumentException("the ACS token is empty");
      }
    }

    @Override
    public Optional<String> authorizationHeader() {
      return Optional.of("token=" + token);
    }

    @Override
    public String describe() {
      return "an ACS token";
    }

    @Override
    public String toString() {
      return "MarathonCredentials.token(****)";
    }
  }
}
