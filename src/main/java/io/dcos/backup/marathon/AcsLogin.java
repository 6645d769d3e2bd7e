package io.dcos.backup.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a DC/OS service account in and keeps its ACS token current: signs a short-lived RS256 JWT with the account's
 * key, POSTs {@code {"uid":…,"token":<jwt>}} to the login endpoint and keeps the {@code token} it answers until
 * shortly before it expires (its own {@code exp} claim when it is a JWT, else {@code fallbackLifetime}), or until
 * Marathon rejects it. Thread-safe. Neither the key nor a token is ever logged or put in a message.
 */
public final class AcsLogin {

  private static final Logger LOG = LoggerFactory.getLogger(AcsLogin.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The login JWT only has to reach the endpoint: a replayed one is useless a minute later. */
  static final Duration LOGIN_JWT_LIFETIME = Duration.ofSeconds(60);
  /** Renew this long before expiry at most; less for short-lived tokens (a fifth of their lifetime). */
  private static final Duration MAX_RENEWAL_MARGIN = Duration.ofMinutes(5);

  private final ServiceAccountCredential account;
  private final TlsTrust trust;
  private final Duration requestTimeout;
  private final Duration fallbackLifetime;
  private final Clock clock;
  private final HttpClient http;

  private String token;
  private Instant renewAt = Instant.MIN;
  private int logins;

  /**
   * @param fallbackLifetime how long a token that does not say when it expires (not a JWT) is used before logging in
   *     again
   */
  public AcsLogin(ServiceAccountCredential account, TlsTrust trust, Duration requestTimeout, Duration fallbackLifetime,
      Clock clock) {
    this.account = Objects.requireNonNull(account, "account");
    this.trust = Objects.requireNonNull(trust, "trust");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.fallbackLifetime = Objects.requireNonNull(fallbackLifetime, "fallbackLifetime");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (fallbackLifetime.isNegative() || fallbackLifetime.isZero()) {
      throw new IllegalArgumentException("fallbackLifetime must be positive");
    }
    this.http = HttpClient.newBuilder()
        .connectTimeout(requestTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .sslContext(trust.sslContext())
        .build();
  }

  public String uid() {
    return account.uid();
  }

  /** The current ACS token, logging in first when there is none or it is about to expire. */
  public synchronized String token() throws MarathonException {
    if (token == null || !clock.instant().isBefore(renewAt)) {
      login();
    }
    return token;
  }

  /**
   * Marathon (or Admin Router) answered 401 to {@code rejectedToken}: the next {@link #token()} logs in again, unless
   * another request has already replaced that token.
   */
  public synchronized void rejected(String rejectedToken) {
    if (token != null && token.equals(rejectedToken)) {
      token = null;
    }
  }

  /** How many times this account logged in: tests and diagnostics. */
  public synchronized int logins() {
    return logins;
  }

  /** "service account 'marathon-backup' at https://master/acs/api/v1/auth/login". */
  public String describe() {
    return "service account '" + account.uid() + "' at " + account.loginEndpoint();
  }

  @Override
  public String toString() {
    return "AcsLogin{" + describe() + "}";
  }

  // ---------------------------------------------------------------------------------------------------------

  private void login() throws MarathonException {
    String loginJwt = signedLoginJwt();
    String body = JSON.createObjectNode().put("uid", account.uid()).put("token", loginJwt).toString();
    HttpRequest request = HttpRequest.newBuilder(account.loginEndpoint())
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw unreachable("no answer within " + MarathonClient.human(requestTimeout), e);
    } catch (ConnectException e) {
      throw unreachable("connection refused", e);
    } catch (IOException e) {
      Optional<String> tls = trust.certificateProblem(account.loginEndpoint().getHost(), e);
      if (tls.isPresent()) {
        throw new MarathonException(MarathonException.Kind.UNTRUSTED, 0, "DC/OS login of " + describe()
            + " failed: " + tls.get(), e);
      }
      throw unreachable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("interrupted", e);
    }
    int code = r.statusCode();
    if (code == 400 || code == 401 || code == 403) {
      throw new MarathonException(MarathonException.Kind.UNAUTHORIZED, code, "DC/OS login of " + describe()
          + " was refused (" + code + reason(r, loginJwt) + "): check that the account exists, that its public key "
          + "matches the private_key of the credential, and that it is not revoked");
    }
    if (code != 200) {
      throw new MarathonException(MarathonException.Kind.UNEXPECTED, code, "DC/OS login of " + describe()
          + " answered " + code + reason(r, loginJwt));
    }
    String issued;
    try {
      JsonNode n = JSON.readTree(r.body());
      issued = n == null ? null : n.path("token").asText(null);
    } catch (IOException e) {
      issued = null;
    }
    if (issued == null || issued.isBlank()) {
      throw new MarathonException(MarathonException.Kind.UNEXPECTED, code, "DC/OS login of " + describe()
          + " answered 200 without a token");
    }
    Instant now = clock.instant();
    Duration lifetime = lifetimeOf(issued);
    Duration margin = lifetime.dividedBy(5).compareTo(MAX_RENEWAL_MARGIN) < 0 ? lifetime.dividedBy(5)
        : MAX_RENEWAL_MARGIN;
    token = issued;
    renewAt = now.plus(lifetime).minus(margin);
    logins++;
    LOG.info("logged in as DC/OS {}; the token is renewed in {}", describe(), MarathonClient.human(
        Duration.ofMillis(lifetime.minus(margin).toMillis())));
  }

  private String signedLoginJwt() throws MarathonException {
    Instant now = clock.instant();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
        .claim("uid", account.uid())
        .expirationTime(Date.from(now.plus(LOGIN_JWT_LIFETIME)))
        .build());
    try {
      jwt.sign(new RSASSASigner(account.privateKey()));
    } catch (JOSEException | IllegalArgumentException e) {
      // e.g. a key shorter than 2048 bits; the message names no key material.
      throw new MarathonException(MarathonException.Kind.UNAUTHORIZED, 0, "cannot sign the DC/OS login of "
          + describe() + ": " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /**
   * How long an ACS token is valid: {@code exp - iat} when it says so (measured on the issuer's clock, so a skewed
   * local clock does not matter), {@code exp - now} without {@code iat}, else {@code fallbackLifetime}.
   */
  private Duration lifetimeOf(String issued) {
    try {
      JWT jwt = JWTParser.parse(issued);
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date exp = claims.getExpirationTime();
      if (exp != null) {
        Instant from = claims.getIssueTime() != null ? claims.getIssueTime().toInstant() : clock.instant();
        Duration lifetime = Duration.between(from, exp.toInstant());
        if (!lifetime.isNegative() && !lifetime.isZero()) {
          return lifetime;
        }
      }
    } catch (ParseException notAJwt) {
      // DC/OS tokens are JWTs; anything else is kept for the configured lifetime
    }
    return fallbackLifetime;
  }

  /** The endpoint's own explanation (DC/OS IAM: title, description, code), never our JWT. */
  private static String reason(HttpResponse<String> r, String loginJwt) {
    String body = r.body() == null ? "" : r.body();
    String text;
    try {
      JsonNode n = JSON.readTree(body);
      text = n == null ? "" : String.join(" ", n.path("title").asText(""), n.path("description").asText(""),
          n.path("code").asText("")).trim();
    } catch (IOException e) {
      text = body;
    }
    text = text.replace(loginJwt, "****").replaceAll("\\s+", " ").trim();
    if (text.length() > 200) {
      text = text.substring(0, 200) + "…";
    }
    return text.isEmpty() ? "" : ": " + text;
  }

  private MarathonException unreachable(String why, Exception cause) {
    return new MarathonException(MarathonException.Kind.UNREACHABLE, 0, "DC/OS login endpoint of " + describe()
        + " is unreachable: " + why, cause);
  }
}
