package io.dcos.backup.simulator;

import static io.dcos.backup.simulator.MarathonLayout.node;
import static io.dcos.backup.simulator.MarathonLayout.safeId;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.dcos.backup.zookeeper.StorageVersion;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import io.dcos.backup.zookeeper.PortableWrites;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated Marathon "process" with a fixed HTTP port. Each lifetime has its own ZooKeeper session, HTTP
 * server, latch participant and memory; an exit ends the lifetime and the supervisor starts a fresh one after
 * {@code restartDelay}.
 */
final class SimulatedMarathon {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedMarathon.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String VERSION = "1.10.17-sim";
  /** Marathon 1.10's migration target ({@code StorageVersions(110, 100)}). */
  static final StorageVersion TARGET_STORAGE_VERSION = new StorageVersion(110, 100, 0, StorageVersion.PERSISTENCE_STORE);
  private static final int MAX_VERSIONS = 50;
  private static final Set<String> NOT_FORWARDED =
      Set.of("host", "connection", "content-length", "expect", "upgrade", "date", "transfer-encoding");

  final int index;
  final int port;
  final String hostPort;
  private final MarathonSimulator sim;
  private final String statePath;
  private final Object lifecycle = new Object();
  private volatile Lifetime life;

  SimulatedMarathon(MarathonSimulator sim, int index, int port) {
    this.sim = sim;
    this.index = index;
    this.port = port;
    this.hostPort = "127.0.0.1:" + port;
    this.statePath = sim.zkPath + "/state";
  }

  void start() throws Exception {
    synchronized (lifecycle) {
      Lifetime l = new Lifetime();
      life = l;
      try {
        l.start();
      } catch (Exception e) {
        l.exit("failed to start: " + e, false);
        throw e;
      }
    }
  }

  boolean isElected() {
    Lifetime l = life;
    return l != null && l.elected && !l.abdicating && !l.exited;
  }

  boolean isUp() {
    Lifetime l = life;
    return l != null && !l.exited && l.http != null;
  }

  void shutdown() {
    synchronized (lifecycle) {
      Lifetime l = life;
      if (l != null) {
        l.exit("simulator closed", false);
      }
    }
  }

  /** Simulates a crash (no abdication): the process exits and is restarted. */
  void crash() {
    Lifetime l = life;
    if (l != null) {
      l.exit("crashed", true);
    }
  }

  private void restart() {
    synchronized (lifecycle) {
      if (sim.closed) {
        return;
      }
      Lifetime l = new Lifetime();
      life = l;
      try {
        l.start();
        LOG.info("marathon {} restarted", hostPort);
      } catch (Exception e) {
        LOG.warn("marathon {} failed to restart: {}", hostPort, e.toString());
        l.exit("failed to restart", true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private final class Lifetime {
    /** Held by every ZooKeeper write of this lifetime; exit takes it so no write follows an exit. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile boolean loading;
    private volatile boolean elected;
    private volatile boolean abdicating;
    private volatile boolean exited;
    private boolean everElected;
    private final Map<String, ObjectNode> apps = new LinkedHashMap<>();
    private final Map<String, String> instanceIds = new HashMap<>();
    private volatile String frameworkId;
    private Instant lastVersion = Instant.EPOCH;
    private CuratorFramework zk;
    private volatile HttpServer http;
    private ExecutorService httpExec;
    private volatile LatchParticipant latch;
    private ScheduledFuture<?> writer;
    /** Which instance {@link #writeInstances} updates next when it takes them in turn. */
    private int nextInstance;

    void start() throws Exception {
      CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
          .connectString(sim.zkConnect)
          .sessionTimeoutMs(15_000)
          .connectionTimeoutMs(5_000)
          .retryPolicy(new ExponentialBackoffRetry(100, 5));
      if (sim.options.zkDigest().isPresent()) {
        b.authorization("digest", sim.options.zkDigest().get().getBytes(UTF_8)).aclProvider(new ACLProvider() {
          @Override
          public List<ACL> getDefaultAcl() {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
          }

          @Override
          public List<ACL> getAclForPath(String path) {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
          }
        });
      }
      zk = b.build();
      zk.start();
      if (!zk.blockUntilConnected(10, TimeUnit.SECONDS)) {
        throw new IOException("marathon " + hostPort + ": ZooKeeper " + sim.zkConnect + " not reachable");
      }
      httpExec = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "marathon-sim-" + port + "-http");
        t.setDaemon(true);
        return t;
      });
      http = bind();
      http.createContext("/", this::handle);
      http.setExecutor(httpExec);
      http.start();
      latch = sim.participant(zk, hostPort);
      latch.start(new LatchParticipant.Events() {
        @Override
        public void isLeader() {
          onElected();
        }

        @Override
        public void notLeader() {
          if (loading || elected) {
            exit("lost leadership", true);
          }
        }

        @Override
        public void gone(String why) {
          exit(why, true);
        }
      });
    }

    private HttpServer bind() throws IOException, InterruptedException {
      InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      for (int attempt = 0; ; attempt++) {
        try {
          if (sim.options.tls().isEmpty()) {
            return HttpServer.create(addr, 50);
          }
          HttpsServer https = HttpsServer.create(addr, 50);
          https.setHttpsConfigurator(new HttpsConfigurator(sim.options.tls().get()));
          return https;
        } catch (BindException e) {
          if (attempt >= 50) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }

    private void onElected() {
      if (exited) {
        return;
      }
      if (everElected) {
        exit("elected twice in one lifetime", true);
        return;
      }
      everElected = true;
      loading = true;
      writeLock.lock();
      String fingerprint;
      try {
        if (exited) {
          return;
        }
        resetRuntimeConfiguration();
        Optional<String> refusal = migrateStorage();
        if (refusal.isPresent()) {
          // Marathon: MigrationFailedException ends leadership and the process; its supervisor restarts it.
          LOG.warn("marathon {}: storage migration failed: {}", hostPort, refusal.get());
          sim.recordElection(index, refusal.get(), null);
          writeLock.unlock();
          exit("storage migration failed: " + refusal.get(), true);
          return;
        }
        ensureLayout();
        load();
        fingerprint = sim.probe(zk, statePath);
      } catch (Exception e) {
        LOG.warn("marathon {} failed to load its state: {}", hostPort, e.toString());
        writeLock.unlock();
        exit("failed to load state", true);
        return;
      } finally {
        if (writeLock.isHeldByCurrentThread()) {
          writeLock.unlock();
        }
      }
      if (!latch.hasLeadership() || exited) {
        exit("lost leadership while loading", true);
        return;
      }
      elected = true;
      loading = false;
      sim.elections.incrementAndGet();
      sim.recordElection(index, null, fingerprint);
      LOG.info("marathon {} elected ({} apps loaded)", hostPort, apps.size());
      long wi = sim.options.writeInterval().toNanos();
      writer = sim.sched.scheduleWithFixedDelay(this::writeInstances, wi, wi, TimeUnit.NANOSECONDS);
    }

    void exit(String reason, boolean restart) {
      writeLock.lock();
      try {
        if (exited) {
          return;
        }
        exited = true;
        elected = false;
      } finally {
        writeLock.unlock();
      }
      LOG.info("marathon {} exits: {}", hostPort, reason);
      if (writer != null) {
        writer.cancel(false);
      }
      if (http != null) {
        http.stop(0);
      }
      if (httpExec != null) {
        httpExec.shutdownNow();
      }
      if (latch != null) {
        latch.close();
      }
      if (zk != null) {
        zk.close();
      }
      synchronized (apps) {
        apps.clear();
        instanceIds.clear();
      }
      if (restart && !sim.closed) {
        sim.sched.schedule(SimulatedMarathon.this::restart, sim.options.restartDelay().toMillis(),
            TimeUnit.MILLISECONDS);
      }
    }

    // --- state in ZooKeeper ------------------------------------------------------------------------------

    /**
     * Marathon's migrateAsync starts by reading runtime-configuration and storing it back reset to no backup and no
     * restore, before the storage version is even looked at: an instance elected on a state it then refuses has still
     * written this one node.
     */
    private void resetRuntimeConfiguration() throws Exception {
      createOrSet(node(statePath, "runtime-configuration", "id"), "{}".getBytes(UTF_8));
    }

    /**
     * Marathon's migrateStorage: a stored version older than the minimum or newer than this build's target is
     * refused (the election fails); a missing one means a fresh install (this build's version is written); an older
     * supported one is migrated (here: only the version is rewritten). Returns why the state was refused.
     */
    private Optional<String> migrateStorage() throws Exception {
      String path = statePath + "/" + StorageVersion.NODE;
      byte[] data = getOrNull(path);
      if (data == null) {
        LOG.info("marathon {}: no migration necessary, no version stored", hostPort);
        createOrSet(path, TARGET_STORAGE_VERSION.toNodeData());
        return Optional.empty();
      }
      Optional<StorageVersion> stored = StorageVersion.fromNodeData(data);
      if (stored.isEmpty()) {
        return Optional.of("Migration Failed: " + path + " is not a StorageVersion");
      }
      StorageVersion v = stored.get();
      if (v.isOlderThan(StorageVersion.MIN_SUPPORTED)) {
        return Optional.of("Migration from versions < " + StorageVersion.MIN_SUPPORTED + " are not supported. Your "
            + "version: " + v);
      }
      if (v.isNewerThan(TARGET_STORAGE_VERSION)) {
        return Optional.of("Migration from " + v + " is not supported as it is newer than " + TARGET_STORAGE_VERSION
            + ".");
      }
      if (v.isOlderThan(TARGET_STORAGE_VERSION)) {
        LOG.info("marathon {}: migrating storage from {} to {}", hostPort, v, TARGET_STORAGE_VERSION);
        createOrSet(path, TARGET_STORAGE_VERSION.toNodeData());
      }
      return Optional.empty();
    }

    private void ensureLayout() throws Exception {
      String fw = node(statePath, "framework-id", "id");
      byte[] fwData = getOrNull(fw);
      if (fwData != null && fwData.length > 0) {
        frameworkId = JSON.readTree(fwData).path("value").asText(null);
      }
      if (frameworkId == null) {
        frameworkId = UUID.randomUUID() + "-0000";
        createOrSet(fw, JSON.writeValueAsBytes(Map.of("value", frameworkId)));
      }
      byte[] root = getOrNull(node(statePath, "group", "root"));
      if (root == null || root.length == 0) {
        writeRootGroup(nextVersion());
      }
    }

    private void load() throws Exception {
      byte[] root = getOrNull(node(statePath, "group", "root"));
      JsonNode group = JSON.readTree(root);
      synchronized (apps) {
        apps.clear();
        for (JsonNode ref : group.path("apps")) {
          String id = ref.path("id").asText();
          String appNode = node(statePath, "apps", safeId(id));
          byte[] data = getOrNull(appNode + "/" + ref.path("version").asText());
          if (data == null || data.length == 0) {
            data = getOrNull(appNode);
          }
          if (data == null || data.length == 0) {
            throw new IllegalStateException("root group references app " + id + " that is not stored");
          }
          apps.put(id, (ObjectNode) JSON.readTree(data));
        }
        instanceIds.clear();
        String instances = statePath + "/instance";
        if (zk.checkExists().forPath(instances) != null) {
          for (String bucket : zk.getChildren().forPath(instances)) {
            for (String id : zk.getChildren().forPath(instances + "/" + bucket)) {
              byte[] d = getOrNull(instances + "/" + bucket + "/" + id);
              if (d != null && d.length > 0) {
                String runSpec = JSON.readTree(d).path("runSpecId").asText();
                if (apps.containsKey(runSpec)) {
                  instanceIds.put(runSpec, id);
                }
              }
            }
          }
        }
        for (String id : apps.keySet()) {
          instanceIds.computeIfAbsent(id, x -> safeId(x) + ".marathon-" + UUID.randomUUID());
        }
      }
    }

    /**
     * Marathon keeps its instances' state current in ZooKeeper: this is the steady write load. Every instance, or
     * the next {@code instancesPerWrite} of them in turn.
     */
    private void writeInstances() {
      writeLock.lock();
      try {
        if (!elected || abdicating || exited) {
          return;
        }
        List<Map.Entry<String, String>> list;
        synchronized (apps) {
          list = new ArrayList<>(instanceIds.entrySet());
        }
        int perWrite = sim.options.instancesPerWrite();
        if (perWrite > 0 && !list.isEmpty()) {
          List<Map.Entry<String, String>> next = new ArrayList<>();
          for (int i = 0; i < Math.min(perWrite, list.size()); i++) {
            next.add(list.get(Math.floorMod(nextInstance++, list.size())));
          }
          list = next;
        }
        String now = MarathonLayout.version(Instant.now());
        for (Map.Entry<String, String> e : list) {
          ObjectNode inst = JSON.createObjectNode();
          inst.put("instanceId", e.getValue());
          inst.put("runSpecId", e.getKey());
          inst.putObject("state").put("condition", "Running").put("since", now).put("goal", "Running");
          inst.putObject("agentInfo").put("host", "127.0.0.1");
          inst.put("updated", now);
          createOrSet(node(statePath, "instance", e.getValue()), JSON.writeValueAsBytes(inst));
          sim.instanceWrites.incrementAndGet();
        }
      } catch (Exception e) {
        LOG.debug("marathon {}: instance update failed: {}", hostPort, e.toString());
      } finally {
        writeLock.unlock();
      }
    }

    private void writeRootGroup(String version) throws Exception {
      ObjectNode g = JSON.createObjectNode();
      g.put("id", "/");
      g.put("version", version);
      ArrayNode refs = g.putArray("apps");
      synchronized (apps) {
        for (ObjectNode app : apps.values()) {
          refs.addObject().put("id", app.path("id").asText()).put("version", app.path("version").asText());
        }
      }
      g.putArray("groups");
      g.putArray("dependencies");
      byte[] bytes = JSON.writeValueAsBytes(g);
      String root = node(statePath, "group", "root");
      createOrSet(root, bytes);
      createWithParents(root + "/" + version, bytes);
      pruneVersions(root);
    }

    private void pruneVersions(String entity) throws Exception {
      List<String> versions = new ArrayList<>(zk.getChildren().forPath(entity));
      Collections.sort(versions);
      for (int i = 0; i < versions.size() - MAX_VERSIONS; i++) {
        zk.delete().forPath(entity + "/" + versions.get(i));
      }
    }

    private String nextVersion() {
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      if (!now.isAfter(lastVersion)) {
        now = lastVersion.plusMillis(1);
      }
      lastVersion = now;
      return MarathonLayout.version(now);
    }

    private byte[] getOrNull(String path) throws Exception {
      try {
        return zk.getData().forPath(path);
      } catch (KeeperException.NoNodeException e) {
        return null;
      }
    }

    private void createOrSet(String path, byte[] data) throws Exception {
      PortableWrites.createOrSetData(zk.getZookeeperClient().getZooKeeper(), path, data,
          createAcl());
    }

    /** As Marathon: with ZooKeeper credentials its nodes are its own (CREATOR_ALL), otherwise open. */
    private List<ACL> createAcl() {
      return sim.options.zkDigest().isPresent() ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }

    /** Marathon 1.5–1.11 runs Curator in its ZooKeeper 3.4 mode: plain creates, which every server knows. */
    private void createWithParents(String path, byte[] data) throws Exception {
      PortableWrites.createWithParents(zk.getZookeeperClient().getZooKeeper(), path, data,
          createAcl(), CreateMode.PERSISTENT);
    }

    // --- HTTP --------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
      try {
        dispatch(ex);
      } catch (Throwable t) {
        LOG.debug("marathon {}: {} {} failed: {}", hostPort, ex.getRequestMethod(), ex.getRequestURI(), t.toString());
        try {
          sendJson(ex, 500, message(String.valueOf(t.getMessage())));
        } catch (Exception ignored) {
          // the connection is gone
        }
      } finally {
        ex.close();
      }
    }

    /** Marathon's LeaderProxyFilter covers every path ("/*"): a standby serves nothing itself. */
    private void dispatch(HttpExchange ex) throws Exception {
      if (isLeaderNow()) {
        serveAsLeader(ex);
        return;
      }
      Optional<String> leader = leaderHostPort();
      if (leader.isEmpty() || leader.get().equals(hostPort)) {
        // As Marathon: wait up to 10 x 250 ms for a consistent leadership state, then 503.
        for (int i = 0; i < 10 && !exited; i++) {
          Thread.sleep(250);
          if (isLeaderNow()) {
            serveAsLeader(ex);
            return;
          }
          leader = leaderHostPort();
          if (leader.isPresent() && !leader.get().equals(hostPort)) {
            break;
          }
        }
        if (leader.isEmpty() || leader.get().equals(hostPort)) {
          sendJson(ex, 503, message("Could not determine the current leader"));
          return;
        }
      }
      proxy(ex, leader.get());
    }

    private boolean isLeaderNow() {
      return elected && !abdicating && !exited;
    }

    private Optional<String> leaderHostPort() {
      LatchParticipant l = latch;
      return l == null ? Optional.empty() : l.leaderHostPort();
    }

    private void proxy(HttpExchange ex, String leader) throws Exception {
      String via = "1.1 " + hostPort;
      List<String> vias = ex.getRequestHeaders().get("X-Marathon-Via");
      if (vias != null && vias.contains(via)) {
        sendJson(ex, 502, message("Detected proxying loop."));
        return;
      }
      URI target;
      try {
        String q = ex.getRequestURI().getRawQuery();
        target = new URI(sim.options.scheme() + "://" + leader + ex.getRequestURI().getRawPath() + (q == null ? "" : "?" + q));
        if (target.getHost() == null || target.getPort() < 0) {
          throw new IllegalArgumentException("not host:port");
        }
      } catch (Exception e) {
        // Marathon builds a URL from whatever the leader's latch node holds; a non host:port fails here.
        sendJson(ex, 500, message("while proxying: leader data '" + leader + "' is not a host:port"));
        return;
      }
      String method = ex.getRequestMethod();
      HttpRequest.BodyPublisher body = Set.of("GET", "HEAD", "DELETE").contains(method)
          ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes());
      HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).method(method, body);
      ex.getRequestHeaders().forEach((name, values) -> {
        if (!NOT_FORWARDED.contains(name.toLowerCase())) {
          values.forEach(v -> b.header(name, v));
        }
      });
      b.header("X-Marathon-Via", via);
      b.header("X-Forwarded-For", ex.getRemoteAddress().getAddress().getHostAddress());
      HttpResponse<byte[]> r;
      try {
        r = sim.proxyClient.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (ConnectException e) {
        sendJson(ex, 502, message("Connection to leader refused."));
        return;
      } catch (HttpTimeoutException e) {
        sendJson(ex, 504, message("Connection to leader timed out."));
        return;
      } catch (IOException e) {
        sendJson(ex, 502, message("Failed to successfully establish a connection to the leader."));
        return;
      }
      r.headers().map().forEach((name, values) -> {
        if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
          values.forEach(v -> ex.getResponseHeaders().add(name, v));
        }
      });
      ex.getResponseHeaders().add("X-Marathon-Via", via);
      send(ex, r.statusCode(), r.body());
    }

    private void serveAsLeader(HttpExchange ex) throws Exception {
      ex.getResponseHeaders().add("X-Marathon-Leader", sim.options.scheme() + "://" + hostPort);
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      if (path.equals("/ping")) {
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        send(ex, 200, "pong".getBytes(UTF_8));
        return;
      }
      if (path.startsWith("/v2/") && !authorized(ex)) {
        if (sim.options.tokenCheck().isPresent()) {
          // DC/OS Enterprise's answer to a missing, expired or revoked ACS token.
          ex.getResponseHeaders().set("WWW-Authenticate", "acsjwt");
          sendJson(ex, 401, message("Authentication token is missing, invalid or expired."));
        } else {
          ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Mesosphere Marathon\"");
          sendJson(ex, 401, message("Invalid username or password."));
        }
        return;
      }
      if (path.equals("/v2/leader")) {
        if (method.equals("GET")) {
          sendJson(ex, 200, JSON.createObjectNode().put("leader", hostPort));
        } else if (method.equals("DELETE")) {
          abdicate(ex);
        } else {
          sendJson(ex, 405, message("Method not allowed"));
        }
      } else if (path.equals("/v2/info") && method.equals("GET")) {
        sendJson(ex, 200, info());
      } else if (path.equals("/v2/apps") || path.equals("/v2/apps/")) {
        if (method.equals("GET")) {
          ObjectNode out = JSON.createObjectNode();
          ArrayNode arr = out.putArray("apps");
          synchronized (apps) {
            apps.values().forEach(arr::add);
          }
          sendJson(ex, 200, out);
        } else if (method.equals("POST")) {
          createApp(ex);
        } else {
          sendJson(ex, 405, message("Method not allowed"));
        }
      } else if (path.startsWith("/v2/apps/")) {
        String id = normalizeId(path.substring("/v2/apps".length()));
        if (method.equals("GET")) {
          ObjectNode app;
          synchronized (apps) {
            app = apps.get(id);
          }
          if (app == null) {
            sendJson(ex, 404, message("App '" + id + "' does not exist"));
          } else {
            ObjectNode out = JSON.createObjectNode();
            out.set("app", app);
            sendJson(ex, 200, out);
          }
        } else if (method.equals("DELETE")) {
          deleteApp(ex, id);
        } else {
          sendJson(ex, 405, message("Method not allowed"));
        }
      } else {
        sendJson(ex, 404, message("Not found"));
      }
    }

    private boolean authorized(HttpExchange ex) {
      if (sim.options.basicAuth().isEmpty() && sim.options.tokenCheck().isEmpty()) {
        return true;
      }
      String header = ex.getRequestHeaders().getFirst("Authorization");
      if (header == null) {
        return false;
      }
      if (sim.options.tokenCheck().isPresent() && header.startsWith("token=")) {
        return sim.options.tokenCheck().get().test(header.substring("token=".length()));
      }
      return sim.options.basicAuth().isPresent() && header.equals("Basic "
          + Base64.getEncoder().encodeToString(sim.options.basicAuth().get().getBytes(UTF_8)));
    }

    private void abdicate(HttpExchange ex) throws IOException {
      // Stops writing at once; the process exits exitDelay later, like Marathon's ~500 ms.
      writeLock.lock();
      try {
        abdicating = true;
      } finally {
        writeLock.unlock();
      }
      LOG.info("marathon {}: leadership abdicated", hostPort);
      sendJson(ex, 200, message("Leadership abdicated"));
      sim.sched.schedule(() -> exit("abdicated", true), sim.options.exitDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    private ObjectNode info() {
      ObjectNode n = JSON.createObjectNode();
      n.put("name", "marathon");
      n.put("version", VERSION);
      n.put("buildref", "simulator");
      n.put("elected", isLeaderNow());
      n.put("leader", hostPort);
      n.put("frameworkId", frameworkId);
      ObjectNode mc = n.putObject("marathon_config");
      mc.put("hostname", "127.0.0.1");
      mc.put("master", "zk://" + sim.zkConnect + "/mesos");
      ObjectNode zc = n.putObject("zookeeper_config");
      zc.put("zk", "zk://" + (sim.options.zkDigest().isPresent() ? "xxxxxxxx:xxxxxxxx@" : "") + sim.zkConnect
          + sim.zkPath);
      zc.put("zk_timeout", 10000);
      zc.put("zk_session_timeout", 15000);
      zc.put("zk_max_versions", MAX_VERSIONS);
      ObjectNode hc = n.putObject("http_config");
      hc.put("http_port", port);
      hc.put("https_port", 8443);
      return n;
    }

    private void createApp(HttpExchange ex) throws Exception {
      JsonNode body;
      try {
        body = JSON.readTree(ex.getRequestBody());
      } catch (IOException e) {
        sendJson(ex, 400, message("Invalid JSON"));
        return;
      }
      if (body == null || !body.isObject() || !body.path("id").isTextual() || body.path("id").asText().isBlank()) {
        sendJson(ex, 422, message("Object is not valid: id is required"));
        return;
      }
      ObjectNode app = (ObjectNode) body;
      String id = normalizeId(app.path("id").asText());
      app.put("id", id);
      if (!app.has("instances")) {
        app.put("instances", 1);
      }
      if (!app.has("cpus")) {
        app.put("cpus", 1.0);
      }
      if (!app.has("mem")) {
        app.put("mem", 128.0);
      }
      writeLock.lock();
      try {
        if (!isLeaderNow()) {
          sendJson(ex, 503, message("Could not determine the current leader"));
          return;
        }
        synchronized (apps) {
          if (apps.containsKey(id)) {
            sendJson(ex, 409, message("An app with id [" + id + "] already exists."));
            return;
          }
        }
        String version = nextVersion();
        app.put("version", version);
        app.putObject("versionInfo").put("lastScalingAt", version).put("lastConfigChangeAt", version);
        byte[] bytes = JSON.writeValueAsBytes(app);
        String appNode = node(statePath, "apps", safeId(id));
        createOrSet(appNode, bytes);
        createWithParents(appNode + "/" + version, bytes);
        synchronized (apps) {
          apps.put(id, app);
          instanceIds.put(id, safeId(id) + ".marathon-" + UUID.randomUUID());
        }
        writeRootGroup(version);
      } finally {
        writeLock.unlock();
      }
      ex.getResponseHeaders().set("Location", "http://" + hostPort + "/v2/apps" + id);
      sendJson(ex, 201, app);
    }

    private void deleteApp(HttpExchange ex, String id) throws Exception {
      String version;
      writeLock.lock();
      try {
        if (!isLeaderNow()) {
          sendJson(ex, 503, message("Could not determine the current leader"));
          return;
        }
        String instanceId;
        synchronized (apps) {
          if (apps.remove(id) == null) {
            sendJson(ex, 404, message("App '" + id + "' does not exist"));
            return;
          }
          instanceId = instanceIds.remove(id);
        }
        version = nextVersion();
        writeRootGroup(version);
        zk.delete().deletingChildrenIfNeeded().forPath(node(statePath, "apps", safeId(id)));
        if (instanceId != null) {
          try {
            zk.delete().forPath(node(statePath, "instance", instanceId));
          } catch (KeeperException.NoNodeException ignored) {
            // not written yet
          }
        }
      } finally {
        writeLock.unlock();
      }
      sendJson(ex, 200, JSON.createObjectNode().put("version", version)
          .put("deploymentId", UUID.randomUUID().toString()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private static String normalizeId(String id) {
    String s = id.trim();
    while (s.endsWith("/") && s.length() > 1) {
      s = s.substring(0, s.length() - 1);
    }
    return s.startsWith("/") ? s : "/" + s;
  }

  private static ObjectNode message(String m) {
    return JSON.createObjectNode().put("message", m);
  }

  private static void sendJson(HttpExchange ex, int code, JsonNode body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    send(ex, code, JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      ex.getResponseBody().write(body);
    }
  }
}
