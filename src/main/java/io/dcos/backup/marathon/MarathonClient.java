package io.dcos.backup.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A minimal client of Marathon's REST API: leader, abdication, info, ping. Thread-safe.
 *
 * <p>The base URL may carry a path, as Marathon behind DC/OS's Admin Router does
 * ({@code https://<master>/service/marathon}): every request keeps it. HTTPS trusts only what {@link TlsTrust} says.
 *
 * <p>Every failure is a {@link MarathonException} whose message names this Marathon (its URL without any
 * user-info), the request, and the problem. Credentials never appear in messages or logs.
 */
public final class MarathonClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NO_LEADER_MESSAGE = "Could not determine the current leader";

  private final URI baseUrl;
  private final String display;
  private final MarathonCredentials credentials;
  private final Duration requestTimeout;
  private final TlsTrust trust;
  /** A leader's own address ({@link #forLeader}), which the configured URL can stand in for. */
  private final boolean direct;
  private final HttpClient http;

  /** HTTPS trusting the JVM's default CAs. */
  public MarathonClient(URI baseUrl, MarathonCredentials credentials, Duration requestTimeout) {
    this(baseUrl, credentials, requestTimeout, TlsTrust.jvmDefault());
  }

  public MarathonClient(URI baseUrl, MarathonCredentials credentials, Duration requestTimeout, TlsTrust trust) {
    this(baseUrl, credentials, requestTimeout, trust, false,
        HttpClient.newBuilder()
            .connectTimeout(requestTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(trust.sslContext())
            .build());
  }

  private MarathonClient(URI baseUrl, MarathonCredentials credentials, Duration requestTimeout, TlsTrust trust,
      boolean direct, HttpClient http) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    this.trust = Objects.requireNonNull(trust, "trust");
    this.direct = direct;
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (!"http".equalsIgnoreCase(baseUrl.getScheme()) && !"https".equalsIgnoreCase(baseUrl.getScheme())) {
      throw new IllegalArgumentException("Marathon URL must be http:// or https://, was " + withoutUserInfo(baseUrl));
    }
    if (baseUrl.getHost() == null) {
      throw new IllegalArgumentException("Marathon URL has no host: " + withoutUserInfo(baseUrl));
    }
    // User-info in the URL would leak into messages and is ignored by java.net.http: drop it.
    URI clean = withoutUserInfo(baseUrl);
    String s = clean.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    this.baseUrl = URI.create(s);
    this.display = s;
    this.http = http;
  }

  public URI baseUrl() {
    return baseUrl;
  }

  public MarathonCredentials credentials() {
    return credentials;
  }

  /**
   * {@code GET /v2/leader}: the leader's {@code host:port}, or empty when Marathon says there is none (404, or a
   * standby's 503 "Could not determine the current leader").
   */
  public Optional<String> leader() throws MarathonException {
    HttpResponse<String> r = send("GET", "/v2/leader");
    if (r.statusCode() == 404 || isNoLeader503(r)) {
      return Optional.empty();
    }
    expect200(r, "GET /v2/leader");
    JsonNode leader = parse(r, "GET /v2/leader").path("leader");
    if (!leader.isTextual() || leader.asText().isBlank()) {
      throw new MarathonException(MarathonException.Kind.UNEXPECTED, r.statusCode(),
          "Marathon at " + display + " answered GET /v2/leader without a leader field");
    }
    return Optional.of(leader.asText());
  }

  /** {@code DELETE /v2/leader}: the leader gives up leadership and exits about 500 ms later. */
  public void abdicate() throws MarathonException {
    HttpResponse<String> r = send("DELETE", "/v2/leader");
    if (r.statusCode() == 404) {
      throw new MarathonException(MarathonException.Kind.NO_LEADER, 404,
          "Marathon at " + display + " refused to abdicate: " + messageOf(r));
    }
    expect200(r, "DELETE /v2/leader");
  }

  /** {@code GET /v2/info}. */
  public MarathonInfo info() throws MarathonException {
    HttpResponse<String> r = send("GET", "/v2/info");
    expect200(r, "GET /v2/info");
    JsonNode n = parse(r, "GET /v2/info");
    return new MarathonInfo(text(n, "name"), text(n, "version"), n.path("elected").asBoolean(false),
        text(n, "leader"), text(n, "frameworkId"));
  }

  /** {@code GET /ping} answered 200 {@code pong}; false on any failure. */
  public boolean ping() {
    try {
      HttpResponse<String> r = send("GET", "/ping");
      return r.statusCode() == 200 && r.body().trim().equals("pong");
    } catch (MarathonException e) {
      return false;
    }
  }

  /**
   * A client for another Marathon instance, e.g. the leader named by its latch node: same scheme, credentials, TLS
   * trust and timeout, the given {@code host:port}, and no base path (a leader's host:port is Marathon itself, not
   * the proxy in front of it). Its TLS failures are {@link MarathonException.Kind#UNREACHABLE}: behind Admin Router
   * that address is often plain HTTP on a private network, and the configured URL reaches the leader anyway.
   */
  public MarathonClient forLeader(String hostPort) {
    Objects.requireNonNull(hostPort, "hostPort");
    URI target;
    try {
      target = new URI(baseUrl.getScheme() + "://" + hostPort.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a host:port: " + hostPort, e);
    }
    if (target.getHost() == null || target.getPort() < 0 || target.getRawPath() != null && !target.getRawPath().isEmpty()) {
      throw new IllegalArgumentException("not a host:port: " + hostPort);
    }
    return new MarathonClient(target, credentials, requestTimeout, trust, true, http);
  }

  @Override
  public String toString() {
    return "MarathonClient{" + display + ", " + credentials.describe() + "}";
  }

  // ---------------------------------------------------------------------------------------------------------

  private HttpResponse<String> send(String method, String path) throws MarathonException {
    Optional<String> authorization = credentials.authorizationHeader();
    HttpResponse<String> r = exchange(method, path, authorization);
    if (r.statusCode() == 401 && authorization.isPresent() && credentials.renewAfterRejection(authorization.get())) {
      // An ACS token revoked or expired early: log in again, once.
      authorization = credentials.authorizationHeader();
      r = exchange(method, path, authorization);
    }
    return checkAuth(r, method, path);
  }

  private HttpResponse<String> exchange(String method, String path, Optional<String> authorization)
      throws MarathonException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(display + path))
        .timeout(requestTimeout)
        .header("Accept", "application/json")
        .method(method, HttpRequest.BodyPublishers.noBody());
    authorization.ifPresent(h -> b.header("Authorization", h));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw unreachable(method, path, "connecting timed out after " + human(requestTimeout), e);
    } catch (HttpTimeoutException e) {
      throw unreachable(method, path, "no answer within " + human(requestTimeout), e);
    } catch (ConnectException e) {
      throw unreachable(method, path, "connection refused", e);
    } catch (IOException e) {
      Optional<String> tls = trust.certificateProblem(baseUrl.getHost(), e);
      if (tls.isPresent()) {
        throw new MarathonException(direct ? MarathonException.Kind.UNREACHABLE : MarathonException.Kind.UNTRUSTED, 0,
            "Marathon at " + display + " cannot be reached over HTTPS (" + method + " " + path + "): " + tls.get(), e);
      }
      throw unreachable(method, path, e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(method, path, "interrupted", e);
    }
    return r;
  }

  private HttpResponse<String> checkAuth(HttpResponse<String> r, String method, String path) throws MarathonException {
    int code = r.statusCode();
    if (code == 401) {
      throw new MarathonException(MarathonException.Kind.UNAUTHORIZED, 401,
          "Marathon at " + display + " answered " + method + " " + path + " with 401 Unauthorized: "
              + (credentials instanceof MarathonCredentials.None
                  ? "it requires authentication but no credentials are configured"
                  : "it did not accept " + credentials.describe()));
    }
    if (code == 403) {
      throw new MarathonException(MarathonException.Kind.FORBIDDEN, 403,
          "Marathon at " + display + " answered " + method + " " + path + " with 403 Forbidden: "
              + credentials.describe() + " may not do this" + permissionHint(path));
    }
    return r;
  }

  /** The DC/OS permission a request needs (through Admin Router also dcos:adminrouter:service:marathon full). */
  private static String permissionHint(String path) {
    String permission = switch (path) {
      case "/v2/leader" -> "dcos:service:marathon:marathon:admin:leader full";
      case "/v2/info" -> "dcos:service:marathon:marathon:admin:config read";
      default -> null;
    };
    return permission == null ? "" : " (on DC/OS the permission " + permission + " is needed, and "
        + "dcos:adminrouter:service:marathon full through Admin Router)";
  }

  private MarathonException unreachable(String method, String path, String why, Exception cause) {
    return new MarathonException(MarathonException.Kind.UNREACHABLE, 0,
        "Marathon at " + display + " is unreachable (" + method + " " + path + "): " + why, cause);
  }

  private void expect200(HttpResponse<String> r, String what) throws MarathonException {
    int code = r.statusCode();
    if (isNoLeader503(r) || code == 502 && messageOf(r).contains("leader")) {
      // A standby's proxy during a leader change, or a leader that is not serving yet.
      throw new MarathonException(MarathonException.Kind.NO_LEADER, code,
          "Marathon at " + display + " has no leader right now (" + what + " answered " + code + ": "
              + messageOf(r) + ")");
    }
    if (code != 200) {
      throw new MarathonException(MarathonException.Kind.UNEXPECTED, r.statusCode(),
          "Marathon at " + display + " answered " + what + " with unexpected status " + r.statusCode() + ": "
              + messageOf(r));
    }
  }

  private JsonNode parse(HttpResponse<String> r, String what) throws MarathonException {
    try {
      JsonNode n = JSON.readTree(r.body());
      if (n == null || !n.isObject()) {
        throw new IOException("not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new MarathonException(MarathonException.Kind.UNEXPECTED, r.statusCode(),
          "Marathon at " + display + " answered " + what + " with a body that is not the expected JSON: "
              + abbreviate(r.body()), e);
    }
  }

  private static boolean isNoLeader503(HttpResponse<String> r) {
    return r.statusCode() == 503 && messageOf(r).contains(NO_LEADER_MESSAGE);
  }

  private static String messageOf(HttpResponse<String> r) {
    String body = r.body() == null ? "" : r.body();
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.path("message").isTextual()) {
        return n.path("message").asText();
      }
    } catch (IOException ignored) {
      // not JSON: fall through to the raw body
    }
    return body.isBlank() ? "(empty body)" : abbreviate(body);
  }

  private static String abbreviate(String s) {
    String one = s == null ? "" : s.replaceAll("\\s+", " ").trim();
    return one.length() <= 200 ? one : one.substring(0, 200) + "…";
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  static URI withoutUserInfo(URI u) {
    if (u.getRawUserInfo() == null) {
      return u;
    }
    try {
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), u.getFragment());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid Marathon URL", e);
    }
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0 && ms >= 60_000) {
      return (ms / 60_000) + "min";
    }
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return ms + "ms";
  }
}
