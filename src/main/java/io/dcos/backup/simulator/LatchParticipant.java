package io.dcos.backup.simulator;

import java.util.Optional;

/** One Marathon lifetime's participant in {@code <zk>/leader-curator}, whichever code elects it. */
interface LatchParticipant {

  /** Called once each, never together; {@code gone} when the participant ended by itself (the process must exit). */
  interface Events {
    void isLeader();

    void notLeader();

    void gone(String why);
  }

  /** Joins in the background. */
  void start(Events events) throws Exception;

  boolean hasLeadership();

  /** The leader's id ({@code host:port}) as the participants say, or empty when unknown. */
  Optional<String> leaderHostPort();

  /** Leaves: the latch node is gone when this returns (or with the session, if leaving failed). */
  void close();
}
