package io.dcos.backup.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated Marathon "process" with a fixed HTTP port, and its supervisor. Each lifetime
 * ({@link MarathonLifetime}) has its own ZooKeeper session, HTTP server, latch participant and memory; an exit ends
 * the lifetime and the supervisor starts a fresh one after {@code restartDelay}.
 */
final class SimulatedMarathon {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedMarathon.class);

  final int index;
  final int port;
  final String hostPort;
  private final MarathonSimulator sim;
  private final Object lifecycle = new Object();
  private volatile MarathonLifetime life;

  SimulatedMarathon(MarathonSimulator sim, int index, int port) {
    this.sim = sim;
    this.index = index;
    this.port = port;
    this.hostPort = "127.0.0.1:" + port;
  }

  void start() throws Exception {
    synchronized (lifecycle) {
      MarathonLifetime l = new MarathonLifetime(this, sim);
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
    MarathonLifetime l = life;
    return l != null && l.isElected();
  }

  boolean isUp() {
    MarathonLifetime l = life;
    return l != null && l.isUp();
  }

  void shutdown() {
    synchronized (lifecycle) {
      MarathonLifetime l = life;
      if (l != null) {
        l.exit("simulator closed", false);
      }
    }
  }

  /** Simulates a crash (no abdication): the process exits and is restarted. */
  void crash() {
    MarathonLifetime l = life;
    if (l != null) {
      l.exit("crashed", true);
    }
  }

  /** The supervisor's restart after an exit: a new lifetime, unless the simulator is closed. */
  void restart() {
    synchronized (lifecycle) {
      if (sim.closed) {
        return;
      }
      MarathonLifetime l = new MarathonLifetime(this, sim);
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
}
