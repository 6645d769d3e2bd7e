package io.dcos.backup.marathon;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/** How to authenticate to Marathon. {@code toString} never reveals secrets. */
public sealed interface MarathonCredentials
    permits MarathonCredentials.None, MarathonCredentials.Basic, MarathonCredentials.Token,
    MarathonCredentials.ServiceAccount {

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

  /**
   * A DC/OS service account: logs in with its key and sends the ACS token it gets, logging in again before that
   * expires and after Marathon rejects it.
   */
  static MarathonCredentials serviceAccount(AcsLogin login) {
    return new ServiceAccount(login);
  }

  /**
   * The value of the {@code Authorization} header, if any.
   *
   * @throws MarathonException a service-account login failed
   */
  Optional<String> authorizationHeader() throws MarathonException;

  /**
   * Marathon answered 401 to a request carrying {@code header}.
   *
   * @return whether sending the request once more, with a fresh {@link #authorizationHeader()}, may succeed
   */
  default boolean renewAfterRejection(String header) {
    return false;
  }

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

  final class ServiceAccount implements MarathonCredentials {
    private static final String PREFIX = "token=";
    private final AcsLogin login;

    private ServiceAccount(AcsLogin login) {
      this.login = Objects.requireNonNull(login, "login");
    }

    public AcsLogin login() {
      return login;
    }

    @Override
    public Optional<String> authorizationHeader() throws MarathonException {
      return Optional.of(PREFIX + login.token());
    }

    @Override
    public boolean renewAfterRejection(String header) {
      if (header == null || !header.startsWith(PREFIX)) {
        return false;
      }
      login.rejected(header.substring(PREFIX.length()));
      return true;
    }

    @Override
    public String describe() {
      return "the ACS token of DC/OS service account '" + login.uid() + "'";
    }

    @Override
    public String toString() {
      return "MarathonCredentials.serviceAccount(" + login.uid() + ", ****)";
    }
  }
}
