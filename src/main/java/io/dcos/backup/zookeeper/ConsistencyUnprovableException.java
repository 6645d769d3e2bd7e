package io.dcos.backup.zookeeper;

/**
 * A consistent snapshot was required but this server cannot prove one: it has no persistent recursive watches
 * (ZooKeeper before 3.6). Retrying does not help; read under a fence instead.
 */
public class ConsistencyUnprovableException extends StateChangedException {
  public ConsistencyUnprovableException(String message) {
    super(message);
  }
}
