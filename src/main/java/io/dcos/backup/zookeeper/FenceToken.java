package io.dcos.backup.zookeeper;

import java.util.Objects;

/**
 * The operator's fencing token: a node whose existence at this data version is checked in every write batch.
 * ZooKeeper's check op compares the data version only, so a fence node that is deleted and re-created reaches the
 * same version again; callers should use a node that is only ever deleted, or whose version only grows.
 */
public record FenceToken(String path, int version) {
  public FenceToken {
    Objects.requireNonNull(path, "path");
  }
}
