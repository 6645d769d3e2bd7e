package io.dcos.backup.crash;

import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;

/** The operator killed 21 times while restores and rollbacks write, on in-process ZooKeeper 3.9 and election. */
class GuardedRestoreKillTest extends GuardedRestoreKill {
  GuardedRestoreKillTest() {
    super(7);
  }

  @Override
  EmbeddedWorld.Builder platform() {
    return EmbeddedWorld.builder().simulatorOptions(SharedWorld.fastSimulator());
  }
}
