package io.dcos.backup.dcos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The parts of a DC/OS Enterprise master the operator talks to, over HTTPS with the test CA's certificate:
 *
 * <ul>
 *   <li>the IAM login endpoint {@code /acs/api/v1/auth/login}: verifies the login JWT with the account's registered
 *       public key (RS256, claim {@code uid}, a short {@code exp}) and issues ACS tokens — RS256 JWTs of its own with
 *       {@code uid}, {@code iat}, {@code exp} — that expire after {@link #tokenLifetime(Duration)};</li>
 *   <li>Admin Router's {@code /service/marathon/*}: checks the ACS token (401 otherwise, as Admin Router does) and
 *       forwards the rest of the path to a Marathon instance.</li>
 * </ul>
 * Accounts can be revoked and issued tokens invalidated, as an administrator would.
 */
public final class DcosMaster implements AutoCloseable {
  static final String LOGIN_PATH = "/acs/api/v1/auth/login";
  static final String MARATHON_PREFIX = "/service/marathon";
  /** What the login endpoint accepts as a "short" login JWT. */
  static final Duration LONGEST_LOGIN_JWT = Duration.ofMinutes(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpsServer server;
  private final ExecutorService executor;
  private final KeyPair signing;
  private final HttpClient proxyClient;
  private final Map<String, RSAPublicKey> accounts = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final Set<String> invalidated = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> opaqueTokens = new ConcurrentHashMap<>();
  private final List<String> issued = new CopyOnWriteArrayList<>();
  private final List<String> loginJwts = new CopyOnWriteArrayList<>();
  private final AtomicInteger logins = new AtomicInteger();
  private final AtomicInteger refusedLogins = new AtomicInteger();
  private final AtomicInteger rejectedRequests = new AtomicInteger();
  private volatile Duration tokenLifetime = Duration.ofSeconds(5);
  private volatile boolean opaque;
  private volatile Supplier<List<URI>> marathons = List::of;

  private DcosMaster(SSLContext tls) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    signing = generator.generateKeyPair();
    proxyClient = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "dcos-master");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext(LOGIN_PATH, this::login);
    server.createContext(MARATHON_PREFIX + "/", this::adminRouter);
    server.start();
  }

  /** @param tls the master's certificate (and, for the proxy to an HTTPS Marathon, the CA to trust) */
  public static DcosMaster start(SSLContext tls) throws Exception {
    return new DcosMaster(tls);
  }

  public URI loginEndpoint() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + LOGIN_PATH);
  }

  /** What MARATHON_URL is on DC/OS: Marathon through Admin Router. */
  public URI marathonUrl() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + MARATHON_PREFIX);
  }

  /** The Marathon instances behind {@code /service/marathon}, tried in order. */
  public void routeTo(Supplier<List<URI>> instances) {
    marathons = instances;
  }

  public void register(ServiceAccountKeys account) {
    accounts.put(account.uid, account.publicKey());
  }

  /** The account's logins are refused and its tokens rejected from now on. */
  public void revoke(String uid) {
    revoked.add(uid);
  }

  /** Every token issued so far is rejected from now on (before its {@code exp}). */
  public void invalidateIssuedTokens() {
    invalidated.addAll(issued);
  }

  public void tokenLifetime(Duration lifetime) {
    tokenLifetime = lifetime;
  }

  /** Issue random strings instead of JWTs: the client cannot know when they expire. */
  public void opaqueTokens(boolean value) {
    opaque = value;
  }

  public int logins() {
    return logins.get();
  }

  public int refusedLogins() {
    return refusedLogins.get();
  }

  /** Requests Admin Router or Marathon turned away with 401. */
  public int rejectedRequests() {
    return rejectedRequests.get();
  }

  public List<String> issuedTokens() {
    return Collections.unmodifiableList(new ArrayList<>(issued));
  }

  /** Whether {@code token} is an ACS token this master issued, not expired, invalidated or of a revoked account. */
  /** Every login JWT received, good or bad. */
  public List<String> loginJwts() {
    return Collections.unmodifiableList(new ArrayList<>(loginJwts));
  }

  public boolean isCurrent(String token) {
    if (token == null || invalidated.contains(token)) {
      return false;
    }
    Instant expiry = opaqueTokens.get(token);
    if (expiry != null) {
      return Instant.now().isBefore(expiry);
    }
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!jwt.verify(new RSASSAVerifier((RSAPublicKey) signing.getPublic()))) {
        return false;
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      return claims.getExpirationTime() != null && Instant.now().isBefore(claims.getExpirationTime().toInstant())
          && !revoked.contains(claims.getStringClaim("uid"));
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------------------

  private void login(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        respond(ex, 405, "{\"title\":\"Method Not Allowed\"}");
        return;
      }
      JsonNode body = JSON.readTree(ex.getRequestBody());
      String uid = body.path("uid").asText("");
      loginJwts.add(body.path("token").asText(""));
      String problem = verifyLoginJwt(uid, body.path("token").asText(""));
      if (problem != null) {
        refusedLogins.incrementAndGet();
        respond(ex, 401, JSON.createObjectNode().put("title", "Unauthorized")
            .put("description", problem).put("code", "ERR_INVALID_CREDENTIALS").toString());
        return;
      }
      String token = issue(uid);
      logins.incrementAndGet();
      respond(ex, 200, JSON.createObjectNode().put("token", token).toString());
    } catch (Exception e) {
      respond(ex, 500, "{\"title\":\"Internal Server Error\"}");
    }
  }

  /** Null when the login JWT is good, else why not. */
  private String verifyLoginJwt(String uid, String token) throws Exception {
    RSAPublicKey key = accounts.get(uid);
    if (key == null || revoked.contains(uid)) {
      return "Login denied: no service account '" + uid + "'";
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (java.text.ParseException e) {
      return "Invalid login token";
    }
    if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
      return "Login token must be RS256";
    }
    if (!jwt.verify(new RSASSAVerifier(key))) {
      return "Login token signature does not match the public key of '" + uid + "'";
    }
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    if (!uid.equals(claims.getStringClaim("uid"))) {
      return "Login token is not for '" + uid + "'";
    }
    Date exp = claims.getExpirationTime();
    Instant now = Instant.now();
    if (exp == null || !exp.toInstant().isAfter(now)) {
      return "Login token expired or without exp";
    }
    if (exp.toInstant().isAfter(now.plus(LONGEST_LOGIN_JWT))) {
      return "Login token lives too long";
    }
    return null;
  }

  private String issue(String uid) throws Exception {
    Instant now = Instant.now();
    Instant expiry = now.plus(tokenLifetime);
    String token;
    if (opaque) {
      token = UUID.randomUUID().toString().replace("-", "");
      opaqueTokens.put(token, expiry);
    } else {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
          // jwtID: two logins within one second get different tokens (iat and exp have whole seconds).
          .claim("uid", uid).jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now))
          .expirationTime(Date.from(expiry)).build());
      jwt.sign(new RSASSASigner(signing.getPrivate()));
      token = jwt.serialize();
    }
    issued.add(token);
    return token;
  }

  private void adminRouter(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth == null || !auth.startsWith("token=") || !isCurrent(auth.substring("token=".length()))) {
        rejectedRequests.incrementAndGet();
        ex.getResponseHeaders().set("WWW-Authenticate", "acsjwt");
        respond(ex, 401, "{\"title\":\"Unauthorized\",\"description\":\"Invalid authentication token\"}");
        return;
      }
      String rest = ex.getRequestURI().getRawPath().substring(MARATHON_PREFIX.length());
      for (URI marathon : marathons.get()) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(marathon + rest)).timeout(Duration.ofSeconds(10))
            .header("Authorization", auth).method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody()).build();
        try {
          HttpResponse<byte[]> r = proxyClient.send(request, HttpResponse.BodyHandlers.ofByteArray());
          r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
          ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
          ex.getResponseBody().write(r.body());
          return;
        } catch (IOException e) {
          // that instance is restarting: try the next, as Admin Router's leader.mesos would point elsewhere
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      respond(ex, 502, "{\"message\":\"Admin Router reached no Marathon leader\"}");
    }
  }

  private static void respond(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    ex.getResponseBody().write(bytes);
  }
}
