package io.dcos.backup.simulator;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which code the simulated Marathons elect their leader with. */
public enum Election {
  /** Curator 5.9's LeaderLatch in the simulator's JVM: fast; needs a ZooKeeper 3.5+ server (it creates with create2). */
  IN_PROCESS("in-process"),
  /**
   * Marathon's own election stack, Curator 4.0.1 on a ZooKeeper 3.4.14 client, one child JVM per Marathon lifetime
   * (see {@code io.dcos.backup.release.ElectionPeer}); works on 3.4 servers too.
   */
  CURATOR_4_0_1("curator-4.0.1");

  private final String cliName;

  Election(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  /** {@code in-process} or {@code curator-4.0.1}. */
  public static Election parse(String name) {
    for (Election e : values()) {
      if (e.cliName.equalsIgnoreCase(name.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown election '" + name + "': one of "
        + Arrays.stream(values()).map(Election::cliName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
