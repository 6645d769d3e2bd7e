package io.dcos.backup.simulator;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lifetime of a simulated Marathon process, from start to exit: its ZooKeeper session, HTTP server, latch
 * participant and memory. Elected at most once; loses everything on exit, after which its process may start a new
 * lifetime.
 */
final class MarathonLifetime {

  private static final Logger LOG = LoggerFactory.getLogger(MarathonLifetime.class);

  /** A write made only while this lifetime leads. */
  @FunctionalInterface
  interface LeaderWrite<T> {
    T write() throws Exception;
  }

  private final SimulatedMarathon process;
  private final MarathonSimulator sim;
  /** Held by every ZooKeeper write of this lifetime; exit takes it so no write follows an exit. */
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile boolean loading;
  private volatile boolean elected;
  private volatile boolean abdicating;
  private volatile boolean exited;
  private boolean everElected;
  private CuratorFramework zk;
  private MarathonState state;
  private volatile HttpServer http;
  private ExecutorService httpExec;
  private volatile LatchParticipant latch;
  private ScheduledFuture<?> writer;

  MarathonLifetime(SimulatedMarathon process, MarathonSimulator sim) {
    this.process = process;
    this.sim = sim;
  }

  String hostPort() {
    return process.hostPort;
  }

  int port() {
    return process.port;
  }

  void start() throws Exception {
    zk = connect();
    state = new MarathonState(zk, statePath(), hostPort(), sim.options.zkDigest().isPresent());
    httpExec = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "marathon-sim-" + process.port + "-http");
      t.setDaemon(true);
      return t;
    });
    http = bind();
    http.createContext("/", new MarathonHttpFront(this, new MarathonApi(this, state, sim), sim));
    http.setExecutor(httpExec);
    http.start();
    latch = sim.participant(zk, hostPort());
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

  private String statePath() {
    return sim.zkPath + "/state";
  }

  private CuratorFramework connect() throws Exception {
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
    CuratorFramework client = b.build();
    client.start();
    if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
      client.close();
      throw new IOException("marathon " + hostPort() + ": ZooKeeper " + sim.zkConnect + " not reachable");
    }
    return client;
  }

  private HttpServer bind() throws IOException, InterruptedException {
    InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), process.port);
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

  // --- leadership ------------------------------------------------------------------------------------------

  /** Leader with its state loaded, not abdicating, not exited. */
  boolean isElected() {
    return elected && !abdicating && !exited;
  }

  boolean isUp() {
    return !exited && http != null;
  }

  boolean hasExited() {
    return exited;
  }

  /** The leader's {@code host:port} as the election says, or empty when unknown. */
  Optional<String> leaderHostPort() {
    LatchParticipant l = latch;
    return l == null ? Optional.empty() : l.leaderHostPort();
  }

  /** Runs {@code write} under the write lock if this lifetime leads; empty when it does not (or wrote nothing). */
  <T> Optional<T> whileLeading(LeaderWrite<T> write) throws Exception {
    writeLock.lock();
    try {
      if (!isElected()) {
        return Optional.empty();
      }
      return Optional.ofNullable(write.write());
    } finally {
      writeLock.unlock();
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
      state.resetRuntimeConfiguration();
      Optional<String> refusal = state.migrateStorage();
      if (refusal.isPresent()) {
        // Marathon: MigrationFailedException ends leadership and the process; its supervisor restarts it.
        LOG.warn("marathon {}: storage migration failed: {}", hostPort(), refusal.get());
        sim.recordElection(process.index, refusal.get(), null);
        writeLock.unlock();
        exit("storage migration failed: " + refusal.get(), true);
        return;
      }
      state.ensureLayout();
      state.load();
      fingerprint = sim.probe(zk, statePath());
    } catch (Exception e) {
      LOG.warn("marathon {} failed to load its state: {}", hostPort(), e.toString());
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
    sim.recordElection(process.index, null, fingerprint);
    LOG.info("marathon {} elected ({} apps loaded)", hostPort(), state.appCount());
    long wi = sim.options.writeInterval().toNanos();
    writer = sim.sched.scheduleWithFixedDelay(
        new InstanceWriter(this, state, sim.options.instancesPerWrite(), sim.instanceWrites), wi, wi,
        TimeUnit.NANOSECONDS);
  }

  /** {@code DELETE /v2/leader}: stops writing at once; {@link #exitAfterAbdication} ends the process later. */
  void abdicate() {
    writeLock.lock();
    try {
      abdicating = true;
    } finally {
      writeLock.unlock();
    }
    LOG.info("marathon {}: leadership abdicated", hostPort());
  }

  /** The process exits {@code exitDelay} after abdicating, like Marathon's ~500 ms. */
  void exitAfterAbdication() {
    sim.sched.schedule(() -> exit("abdicated", true), sim.options.exitDelay().toMillis(), TimeUnit.MILLISECONDS);
  }

  // --- exit ------------------------------------------------------------------------------------------------

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
    LOG.info("marathon {} exits: {}", hostPort(), reason);
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
    if (state != null) {
      state.forget();
    }
    if (restart && !sim.closed) {
      sim.sched.schedule(process::restart, sim.options.restartDelay().toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
