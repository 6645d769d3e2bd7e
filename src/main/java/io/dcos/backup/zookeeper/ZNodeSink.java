package io.dcos.backup.zookeeper;

import java.io.IOException;

@FunctionalInterface
public interface ZNodeSink {
  void accept(ZNode node) throws IOException;
}
