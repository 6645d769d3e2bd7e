package io.dcos.backup.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The shipped logback.xml (the tests have no logback-test.xml of their own): the simulated standbys' expected
 * LeaderLatch reset is not logged as an ERROR, while Curator's other errors and warnings still are.
 */
class LoggingConfigTest {

  @Test
  void theStandbysExpectedLatchResetIsSilencedButCuratorsOtherErrorsAreNot() {
    assertThat(LoggerFactory.getLogger("org.apache.curator.framework.recipes.leader.LeaderLatch").isErrorEnabled())
        .isFalse();
    assertThat(LoggerFactory.getLogger("org.apache.curator.framework.recipes.locks.InterProcessMutex").isWarnEnabled())
        .isTrue();
    assertThat(LoggerFactory.getLogger("org.apache.curator.framework.imps.CuratorFrameworkImpl").isErrorEnabled())
        .isTrue();
    assertThat(LoggerFactory.getLogger("io.dcos.backup.marathon.MarathonFence").isInfoEnabled()).isTrue();
  }
}
