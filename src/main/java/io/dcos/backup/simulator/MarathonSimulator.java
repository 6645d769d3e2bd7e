package io.dcos.backup.simulator;

import io.dcos.backup.release.ElectionPeerStack;
import io.dcos.backup.release.ReleaseJars;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;

/**
 * A Marathon simulator, faithful to Marathon's ZooKeeper behaviour as far as backup and restore can tell:
 *
 * <ul>
 *   <li>N instances on loopback ports, each an independent "process" with its own ZooKeeper session, HTTP
 *       server and Curator {@code LeaderLatch} participant on {@code <zk>/leader-curator} (id and node data
 *       {@code host:port}): Curator 5.9 in this JVM, or Marathon's own Curator 4.0.1 in a child JVM
 *       ({@link Election}).</li>
 *   <li>An elected instance loads its apps from {@code <zk>/state} (root group {@code group/<b>/root}, apps at
 *       {@code apps/<b>/<id>/<version>}) before it answers {@code elected: true}, and creates the base layout
 *       ({@code framework-id/b/id}, root group) when the state is empty.
 *       <b>Node data is JSON where Marathon writes protobuf</b>, except {@code internal:storage:version}; paths,
 *       buckets and version names are Marathon's.</li>
 *   <li>On election, before loading, as Marathon's migration does: {@code runtime-configuration} is stored back
 *       reset, then {@code internal:storage:version} (protobuf, as Marathon) is checked: a version newer than
 *       Marathon 1.10's target or older than 1.6.0 is refused, and the instance exits (restarted after
 *       {@code restartDelay}); a missing one is a fresh install (the target version is written).</li>
 *   <li>The leader writes instance updates ({@code instance/<b>/<instanceId>}) every {@code writeInterval}: each app's
 *       instance (an app posted through {@code POST /v2/apps} has one), or the next {@code instancesPerWrite} of
 *       them in turn; {@link #instanceWrites()} counts them.</li>
 *   <li>{@code DELETE /v2/leader}: stops writing at once, answers 200, exits after {@code exitDelay} (HTTP down,
 *       memory lost, ZooKeeper session closed) and restarts after {@code restartDelay} with a new latch node.
 *       A leader that loses leadership also exits; an instance is elected at most once per lifetime.</li>
 *   <li>Standbys proxy every request to the leader (Marathon's filter covers "/*") or answer 503
 *       "Could not determine the current leader" after waiting 2.5 s for a leader, as Marathon does.</li>
 * </ul>
 */
public final class MarathonSimulator implements AutoCloseable {

  final String zkConnect;
  final String zkPath;
  final SimulatorOptions options;
  final ScheduledExecutorService sched;
  final HttpClient proxyClient;
  final AtomicInteger elections = new AtomicInteger();
  final AtomicLong instanceWrites = new AtomicLong();
  volatile boolean closed;
  private final List<SimulatedMarathon> instances = new ArrayList<>();
  /** Set for {@link Election#CURATOR_4_0_1}. */
  private final ElectionPeerStack peerStack;
  private final List<WonElection> electionLog = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile ElectionProbe probe;

  /**
   * One election won: refused (Marathon's storage check failed; {@code refusal} says why) or led on the state it
   * loaded ({@code fingerprint}, from the {@link ElectionProbe}, null without one).
   */
  public record WonElection(int instance, java.time.Instant at, String refusal, String fingerprint) {
    public boolean refused() {
      return refusal != null;
    }
  }

  /** Describes the state an instance loaded, read with that instance's own session before it answers elected. */
  @FunctionalInterface
  public interface ElectionProbe {
    String fingerprint(org.apache.curator.framework.CuratorFramework zk, String statePath) throws Exception;
  }

  /** Tests: what each later election loaded. */
  public void probeElections(ElectionProbe p) {
    this.probe = p;
  }

  /** Every election won since the start, in order. */
  public List<WonElection> electionLog() {
    synchronized (electionLog) {
      return List.copyOf(electionLog);
    }
  }

  String probe(org.apache.curator.framework.CuratorFramework zk, String statePath) throws Exception {
    ElectionProbe p = probe;
    return p == null ? null : p.fingerprint(zk, statePath);
  }

  void recordElection(int instance, String refusal, String fingerprint) {
    electionLog.add(new WonElection(instance, java.time.Instant.now(), refusal, fingerprint));
  }

  private MarathonSimulator(String zkConnect, String zkPath, SimulatorOptions options, ElectionPeerStack peerStack) {
    this.zkConnect = zkConnect;
    this.zkPath = zkPath;
    this.options = options;
    this.peerStack = peerStack;
    AtomicInteger n = new AtomicInteger();
    this.sched = Executors.newScheduledThreadPool(6, r -> {
      Thread t = new Thread(r, "marathon-sim-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    HttpClient.Builder proxy = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER);
    options.tls().ifPresent(proxy::sslContext);
    this.proxyClient = proxy.build();
  }

  /**
   * Starts {@code instances} Marathons against ZooKeeper {@code zkConnectString} under {@code zkPath}
   * (e.g. {@code /marathon}). Returns once every instance serves HTTP; election happens in the background.
   */
  public static MarathonSimulator start(String zkConnectString, String zkPath, int instances,
                                        SimulatorOptions options) throws Exception {
    return start(zkConnectString, zkPath, instances, options, Election.IN_PROCESS, null);
  }

  /**
   * As above, electing with {@code election}; {@code jars} (for {@link Election#CURATOR_4_0_1}) is where Marathon's
   * election stack is resolved and its peer compiled, the first time.
   */
  public static MarathonSimulator start(String zkConnectString, String zkPath, int instances,
                                        SimulatorOptions options, Election election, ReleaseJars jars)
      throws Exception {
    Objects.requireNonNull(zkConnectString, "zkConnectString");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(election, "election");
    ElectionPeerStack peerStack = election == Election.CURATOR_4_0_1
        ? ElectionPeerStack.curator401(Objects.requireNonNull(jars, "jars")) : null;
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be >= 1");
    }
    String path = zkPath == null || zkPath.isBlank() ? "/marathon" : zkPath.trim();
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    MarathonSimulator sim = new MarathonSimulator(zkConnectString, path, options, peerStack);
    try {
      for (int i = 0; i < instances; i++) {
        SimulatedMarathon m = new SimulatedMarathon(sim, i, freePort());
        sim.instances.add(m);
        m.start();
      }
      return sim;
    } catch (Exception e) {
      sim.close();
      throw e;
    }
  }

  /** A lifetime's election participant; {@code zk} is that lifetime's session. */
  LatchParticipant participant(CuratorFramework zk, String hostPort) {
    String latchPath = zkPath + "/leader-curator";
    return peerStack == null ? new InProcessLatch(zk, latchPath, hostPort, sched)
        : new PeerLatch(peerStack, zk, zkConnect, latchPath, hostPort, options.zkDigest(), sched);
  }

  /** Which code the instances elect with. */
  public Election election() {
    return peerStack == null ? Election.IN_PROCESS : Election.CURATOR_4_0_1;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** One per instance, {@code http://127.0.0.1:<port>} ({@code https} with TLS), stable across restarts. */
  public List<URI> urls() {
    return instances.stream().map(m -> URI.create(options.scheme() + "://" + m.hostPort)).toList();
  }

  public URI anyUrl() {
    return urls().get(0);
  }

  /** {@code host:port} of each instance: the data of its latch node. */
  public List<String> hostPorts() {
    return instances.stream().map(m -> m.hostPort).toList();
  }

  /** Which instance is elected (leader and state loaded) now. */
  public Optional<Integer> leaderIndex() {
    for (SimulatedMarathon m : instances) {
      if (m.isElected()) {
        return Optional.of(m.index);
      }
    }
    return Optional.empty();
  }

  /** How many instances are elected right now: never more than one. */
  int electedCount() {
    return (int) instances.stream().filter(SimulatedMarathon::isElected).count();
  }

  /** How many times any instance was elected. */
  public int elections() {
    return elections.get();
  }

  /** How many instance updates the leaders (any instance while it led) have written since the start. */
  public long instanceWrites() {
    return instanceWrites.get();
  }

  /** Whether the instance's process is up (between start and exit). */
  public boolean isUp(int index) {
    return instances.get(index).isUp();
  }

  /** Kills an instance without abdication (as a crash or {@code kill -9} would); its supervisor restarts it. */
  public void crash(int index) {
    instances.get(index).crash();
  }

  @Override
  public void close() {
    closed = true;
    for (SimulatedMarathon m : instances) {
      try {
        m.shutdown();
      } catch (RuntimeException ignored) {
        // keep closing the others
      }
    }
    sched.shutdownNow();
  }
}
