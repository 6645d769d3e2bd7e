package io.dcos.backup.zookeeper;

/** A restore batch was refused because the caller's fence node is gone or at another version. */
public class FenceLostException extends Exception {
  public FenceLostException(String message) {
    super(message);
  }
}
