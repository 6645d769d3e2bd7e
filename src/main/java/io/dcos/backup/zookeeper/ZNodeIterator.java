package io.dcos.backup.zookeeper;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** A stream of nodes that knows its next one only by producing it: {@link #advance()} is asked once per node. */
public abstract class ZNodeIterator implements Iterator<ZNode> {
  private ZNode next;
  private boolean looked;

  /** The next node, or null at the end; asked lazily, so that a subclass's fields are set before the first call. */
  protected abstract ZNode advance();

  @Override
  public final boolean hasNext() {
    if (!looked) {
      next = advance();
      looked = true;
    }
    return next != null;
  }

  @Override
  public final ZNode next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    looked = false;
    return next;
  }
}
