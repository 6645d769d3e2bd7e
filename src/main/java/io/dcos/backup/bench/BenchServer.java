package io.dcos.backup.bench;

import io.dcos.backup.bench.MarathonTree.Scale;
import java.time.Duration;
import org.apache.curator.test.TestingServer;

/**
 * The ZooKeeper server the bench measures against: an existing one, one in this JVM, or a child JVM of its own.
 *
 * @param version the server's release, as the report shows it
 * @param where   the kind of server, as the report describes it
 * @param started what closing the bench stops: the server it started, else nothing
 */
record BenchServer(String connectString, String version, String where, AutoCloseable started)
    implements AutoCloseable {

  /**
   * @param connect    host:port of an existing server, or null to start one
   * @param kind       {@code process} or {@code inprocess}, when {@code connect} is null
   * @param serverHeap -Xmx of a server process, or null for one fitting {@code scale}
   */
  static BenchServer start(String connect, String kind, String serverHeap, Scale scale) throws Exception {
    if (connect != null) {
      String[] hp = connect.split(":");
      String version = ZooKeeperProcess.fourLetterWord(hp[0], Integer.parseInt(hp[1]), "srvr")
          .map(ZooKeeperProcess::parseVersion).orElse("unknown (srvr not allowed)");
      return new BenchServer(connect, version, "an existing server at " + connect, () -> { });
    } else if (kind.equals("inprocess")) {
      TestingServer inProcess = new TestingServer(true);
      return new BenchServer(inProcess.getConnectString(),
          org.apache.zookeeper.Version.getFullVersion().split("[- ]")[0], "in-process (same JVM as the client)",
          inProcess);
    } else if (kind.equals("process")) {
      String xmx = serverHeap != null ? serverHeap : switch (scale) {
        case SMALL -> "512m";
        case MEDIUM -> "2g";
        case LARGE -> "4g";
        case HUGE -> "6g";
      };
      ZooKeeperProcess process = ZooKeeperProcess.start(ZooKeeperProcess.ownClasspath(), xmx, Duration.ofSeconds(60));
      return new BenchServer(process.connectString(), process.version(),
          "a separate process (pid " + process.pid() + ", -Xmx" + xmx + ")", process);
    } else {
      throw new IllegalArgumentException("--server must be process or inprocess");
    }
  }

  @Override
  public void close() throws Exception {
    started.close();
  }
}
