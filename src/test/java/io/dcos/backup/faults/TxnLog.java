package io.dcos.backup.faults;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.server.ByteBufferInputStream;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.TxnLog.TxnIterator;
import org.apache.zookeeper.txn.CreateContainerTxn;
import org.apache.zookeeper.txn.CreateTTLTxn;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.DeleteTxn;
import org.apache.zookeeper.txn.MultiTxn;
import org.apache.zookeeper.txn.SetACLTxn;
import org.apache.zookeeper.txn.SetDataTxn;
import org.apache.zookeeper.txn.Txn;
import org.apache.zookeeper.txn.TxnHeader;

/**
 * Reads a ZooKeeper server's transaction log: every committed write with its zxid and the session that made it. The
 * ground truth for "no write landed after the fence was lost", independent of the code under test.
 */
final class TxnLog {
  /** One committed change of one path (a multi() contributes one per op that changed something). */
  record Write(long zxid, long session, int type, String path) {}

  /** A session closed or expired (type closeSession). */
  static final int CLOSE_SESSION = -11;

  private TxnLog() {}

  static List<Write> read(File dataDir) throws Exception {
    File logDir = new File(dataDir, "version-2");
    List<Write> out = new ArrayList<>();
    FileTxnLog log = new FileTxnLog(logDir);
    TxnIterator it = log.read(0);
    try {
      while (it.getHeader() != null) {
        TxnHeader h = it.getHeader();
        collect(h.getZxid(), h.getClientId(), h.getType(), it.getTxn(), out);
        if (!it.next()) {
          break;
        }
      }
    } finally {
      it.close();
      log.close();
    }
    return out;
  }

  private static void collect(long zxid, long session, int type, Record txn, List<Write> out) throws Exception {
    if (txn instanceof MultiTxn multi) {
      for (Txn t : multi.getTxns()) {
        Record r = switch (t.getType()) {
          case 1, 15 -> new CreateTxn();
          case 19 -> new CreateContainerTxn();
          case 21 -> new CreateTTLTxn();
          case 2 -> new DeleteTxn();
          case 5 -> new SetDataTxn();
          default -> null; // check, error: no change
        };
        if (r != null) {
          ByteBufferInputStream.byteBuffer2Record(ByteBuffer.wrap(t.getData()), r);
          collect(zxid, session, t.getType(), r, out);
        }
      }
      return;
    }
    String path = txn instanceof CreateTxn c ? c.getPath()
        : txn instanceof CreateContainerTxn c ? c.getPath()
        : txn instanceof CreateTTLTxn c ? c.getPath()
        : txn instanceof DeleteTxn d ? d.getPath()
        : txn instanceof SetDataTxn s ? s.getPath()
        : txn instanceof SetACLTxn s ? s.getPath()
        : null;
    if (path != null || type == CLOSE_SESSION) {
      out.add(new Write(zxid, session, type, path));
    }
  }
}
