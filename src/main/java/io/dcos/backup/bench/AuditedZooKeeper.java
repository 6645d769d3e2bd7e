package io.dcos.backup.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.MultiOperationRecord;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CreateRequest;

/**
 * A ZooKeeper client that measures every write request it sends, serialized exactly as on the wire (request header
 * plus record: paths, data and ACLs), so the benchmark can state the largest one against jute.maxbuffer without
 * trusting the engine's own estimate.
 */
final class AuditedZooKeeper extends ZooKeeper {
  /** Request header (xid, type) preceding the record. */
  private static final int HEADER_BYTES = 8;
  static final AtomicLong LARGEST_WRITE = new AtomicLong();
  static final AtomicLong WRITE_REQUESTS = new AtomicLong();

  AuditedZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly,
      ZKClientConfig config) throws IOException {
    super(connectString, sessionTimeout, watcher, canBeReadOnly, config);
  }

  static void reset() {
    LARGEST_WRITE.set(0);
    WRITE_REQUESTS.set(0);
  }

  @Override
  protected void multiInternal(MultiOperationRecord request, AsyncCallback.MultiCallback cb, Object ctx) {
    record(request);
    super.multiInternal(request, cb, ctx);
  }

  @Override
  protected List<OpResult> multiInternal(MultiOperationRecord request)
      throws InterruptedException, KeeperException {
    record(request);
    return super.multiInternal(request);
  }

  @Override
  public String create(String path, byte[] data, List<ACL> acl, CreateMode mode)
      throws KeeperException, InterruptedException {
    record(new CreateRequest(path, data, acl, mode.toFlag()));
    return super.create(path, data, acl, mode);
  }

  @Override
  public String create(String path, byte[] data, List<ACL> acl, CreateMode mode, Stat stat)
      throws KeeperException, InterruptedException {
    record(new CreateRequest(path, data, acl, mode.toFlag()));
    return super.create(path, data, acl, mode, stat);
  }

  private static void record(Record request) {
    if (request instanceof MultiOperationRecord m && isReadOnly(m)) {
      return;
    }
    long size = HEADER_BYTES + serializedSize(request);
    WRITE_REQUESTS.incrementAndGet();
    LARGEST_WRITE.accumulateAndGet(size, Math::max);
  }

  private static boolean isReadOnly(MultiOperationRecord m) {
    for (var op : m) {
      if (op.getKind() != org.apache.zookeeper.Op.OpKind.READ) {
        return false;
      }
    }
    return true;
  }

  static long serializedSize(Record record) {
    CountingStream out = new CountingStream();
    try {
      record.serialize(BinaryOutputArchive.getArchive(out), "request");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.count;
  }

  private static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
