package io.dcos.backup.faults;

import ch.qos.logback.classic.Level;
import java.util.List;

/** Shared bits of the fault tests. */
final class Faults {
  private Faults() {}

  /**
   * Without a logback-test.xml Logback logs at DEBUG and the in-process servers log every request: slow and noisy.
   */
  static void quietLogs() {
    for (String name : List.of("org.apache.zookeeper", "org.apache.curator", "io.dcos.backup.simulator")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name)).setLevel(Level.WARN);
    }
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.dcos.backup")).setLevel(Level.INFO);
  }
}
