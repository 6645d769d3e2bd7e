package io.dcos.backup.crash;

import io.dcos.backup.release.ReleaseJars;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.simulator.Election;
import org.junit.jupiter.api.Tag;

/**
 * The same kills as DC/OS runs Marathon: a ZooKeeper 3.4.14 server process (DC/OS 1.13 to 2.2), and the three
 * Marathons elect with Marathon's own Curator 4.0.1 LeaderLatch on a ZooKeeper 3.4.14 client, each in a JVM of its
 * own. Fewer kills than on the in-process world: each election here costs a process round trip.
 */
@Tag("compat")
class GuardedRestoreKillOnDcosTest extends GuardedRestoreKill {
  GuardedRestoreKillOnDcosTest() {
    super(3);
  }

  @Override
  EmbeddedWorld.Builder platform() {
    return EmbeddedWorld.builder()
        .zookeeperRelease("3.4.14")
        .election(Election.CURATOR_4_0_1)
        .releaseJars(ReleaseJars.underTarget())
        .simulatorOptions(SharedWorld.fastSimulator());
  }
}
