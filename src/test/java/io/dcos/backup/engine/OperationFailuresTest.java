package io.dcos.backup.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.marathon.FenceException;
import io.dcos.backup.zookeeper.StateChangedException;
import io.dcos.backup.zookeeper.StateUnavailableException;
import java.io.IOException;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

/** The one translation of an operation's failure into what its user reads. */
class OperationFailuresTest {
  @Test
  void aMessageWrittenForTheUserIsKept() {
    OperationFailedException known = new OperationFailedException("restore refused, nothing was written: x");
    assertThat(OperationFailures.translate(OperationFailures.Operation.RESTORE, known)).isSameAs(known);
  }

  @Test
  void anUnavailableStateSaysWhatCannotBeDoneNow() {
    StateUnavailableException e = new StateUnavailableException("ZooKeeper node /marathon/state does not exist");
    assertThat(OperationFailures.translate(OperationFailures.Operation.BACKUP, e))
        .hasMessage("Marathon state cannot be backed up now: ZooKeeper node /marathon/state does not exist")
        .hasCause(e);
    assertThat(OperationFailures.translate(OperationFailures.Operation.RESTORE, new StateChangedException("moved")))
        .hasMessage("Marathon state cannot be restored now: moved");
  }

  @Test
  void aFenceFailureSpeaksForItself() {
    FenceException e = new FenceException("Marathon did not abdicate within 60 s");
    assertThat(OperationFailures.translate(OperationFailures.Operation.BACKUP, e))
        .hasMessage("Marathon did not abdicate within 60 s").hasCause(e);
  }

  @Test
  void anythingElseIsPrefixedAndNamedByItsClassWhenItHasNoMessage() {
    assertThat(OperationFailures.translate(OperationFailures.Operation.BACKUP, new IOException("disk full")))
        .hasMessage("backup failed: disk full");
    assertThat(OperationFailures.translate(OperationFailures.Operation.RESTORE,
        KeeperException.create(KeeperException.Code.CONNECTIONLOSS, "/marathon/state")))
        .hasMessage("restore failed: KeeperErrorCode = ConnectionLoss for /marathon/state");
    assertThat(OperationFailures.translate(OperationFailures.Operation.RESTORE, new IllegalStateException()))
        .hasMessage("restore failed: IllegalStateException");
  }

  @Test
  void theOneLadderPassesAnInterruptionOnAndTranslatesTheRest() throws Exception {
    assertThat(OperationFailures.translating(OperationFailures.Operation.BACKUP, () -> "done")).isEqualTo("done");
    InterruptedException interrupted = new InterruptedException();
    assertThatThrownBy(() -> OperationFailures.translating(OperationFailures.Operation.BACKUP, () -> {
      throw interrupted;
    })).isSameAs(interrupted);
    assertThatThrownBy(() -> OperationFailures.translating(OperationFailures.Operation.RESTORE, () -> {
      throw new IOException("gone");
    })).isInstanceOf(OperationFailedException.class).hasMessage("restore failed: gone");
  }
}
