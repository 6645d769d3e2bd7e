package io.dcos.backup.marathon;

import java.io.IOException;

/**
 * A failed Marathon request. The message is meant for users: it names the Marathon, the request and which
 * problem it is (see {@link Kind}); it never contains credentials.
 */
public class MarathonException extends IOException {

  /** Which problem: callers may react differently to each. */
  public enum Kind {
    /** No HTTP answer at all: connection refused, DNS, a failed TLS handshake (other than {@link #UNTRUSTED}), timeout. */
    UNREACHABLE,
    /**
     * The server's TLS certificate is not trusted, or not issued for its name: a configuration problem (which CA to
     * trust), so never waited out like {@link #UNREACHABLE}.
     */
    UNTRUSTED,
    /** 401: missing or rejected credentials; also a refused DC/OS service-account login. */
    UNAUTHORIZED,
    /** 403: credentials accepted but not allowed to do this. */
    FORBIDDEN,
    /** Marathon answered that it has no leader right now (503/404 "no leader"). */
    NO_LEADER,
    /** Any other status, or a body that could not be understood. */
    UNEXPECTED
  }

  private final int statusCode;
  private final Kind kind;

  public MarathonException(Kind kind, int statusCode, String message) {
    super(message);
    this.kind = kind;
    this.statusCode = statusCode;
  }

  public MarathonException(Kind kind, int statusCode, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.statusCode = statusCode;
  }

  /** The HTTP status, or 0 when Marathon did not answer. */
  public int statusCode() {
    return statusCode;
  }

  public Kind kind() {
    return kind;
  }
}
