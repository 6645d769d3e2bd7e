package io.dcos.backup.faults;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of one ZooKeeper server that understands the client-to-server framing of the ZooKeeper
 * protocol, so a test can fail the operator's connection at an exact request (the k-th fenced write batch, the first
 * sync after the writes...) without any seam in production code. Server replies are copied unchanged, except that
 * the session id and password of every connection are remembered (to expire that session server-side).
 *
 * <p>The {@link Rule} runs on the proxy thread of the connection before the request is forwarded, so while it runs the
 * operator waits for that request: a rule can write behind the operator's back, expire its session or kill the
 * server, and then decide what happens to the request.
 */
final class ZkFaultProxy implements AutoCloseable {
  static final int OP_CREATE = 1;
  static final int OP_DELETE = 2;
  static final int OP_SET_DATA = 5;
  static final int OP_SYNC = 9;
  static final int OP_CHECK = 13;
  static final int OP_MULTI = 14;
  static final int OP_MULTI_READ = 22;

  enum Action {
    FORWARD,
    /** Close the client's connection (and the server side) instead of forwarding: a ConnectionLoss. */
    DROP,
    /** Forward a multi() with its last op's path made invalid, so the server fails the whole batch atomically. */
    POISON_LAST_OP,
    /** Forward a multi() whose first op (the fence check) expects another version: the batch fails atomically. */
    POISON_CHECK
  }

  /** One request as the proxy saw it. */
  record Request(long sessionId, int xid, int type, List<Integer> opTypes, List<String> opPaths) {
    /** A restore write batch: a multi() that starts with the fence check and writes something. */
    boolean isFencedWriteBatch() {
      return type == OP_MULTI && opTypes.size() > 1 && opTypes.get(0) == OP_CHECK;
    }

    boolean writes(int opType) {
      return type == OP_MULTI && opTypes.contains(opType);
    }
  }

  @FunctionalInterface
  interface Rule {
    Action onRequest(Request request) throws Exception;
  }

  record Session(long id, byte[] password) {}

  private final ServerSocket listener;
  private final InetSocketAddress backend;
  private volatile Rule rule = r -> Action.FORWARD;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final List<Request> seen = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  ZkFaultProxy(InetSocketAddress backend) throws IOException {
    this.backend = backend;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "zk-fault-proxy-" + listener.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  static ZkFaultProxy forConnectString(String hostPort) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    return new ZkFaultProxy(new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1))));
  }

  String connectString() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  void setRule(Rule rule) {
    this.rule = rule;
  }

  /** Every request forwarded, dropped or poisoned so far (handshakes excluded). */
  List<Request> seen() {
    return List.copyOf(seen);
  }

  void clearSeen() {
    seen.clear();
  }

  Session session(long id) {
    return sessions.get(id);
  }

  /** Closes every open connection (the client sees ConnectionLoss and reconnects through the proxy). */
  void dropAll() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        try {
          server.connect(backend, 2_000);
        } catch (IOException e) {
          closeQuietly(client);
          closeQuietly(server);
          continue;
        }
        sockets.add(client);
        sockets.add(server);
        long[] sessionId = new long[1];
        Thread up = new Thread(() -> clientToServer(client, server, sessionId), "zk-proxy-up");
        Thread down = new Thread(() -> serverToClient(server, client, sessionId), "zk-proxy-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void clientToServer(Socket client, Socket server, long[] sessionId) {
    try (client; server) {
      DataInputStream in = new DataInputStream(client.getInputStream());
      OutputStream out = server.getOutputStream();
      byte[] connect = readFrame(in);
      writeFrame(out, connect);
      while (true) {
        byte[] frame = readFrame(in);
        Parsed p = parse(frame);
        Request r = new Request(sessionId[0], p.xid, p.type, p.opTypes, p.opPaths);
        seen.add(r);
        Action action = r.xid() < 0 ? Action.FORWARD : rule.onRequest(r);
        switch (action) {
          case DROP -> {
            return;
          }
          case POISON_LAST_OP -> {
            if (p.lastPathEnd <= 0) {
              throw new IllegalStateException("nothing to poison in " + r);
            }
            frame[p.lastPathEnd - 1] = 0; // a NUL in a path: the server refuses the op, so the whole multi
          }
          case POISON_CHECK -> {
            if (p.checkVersionAt <= 0) {
              throw new IllegalStateException("no check op in " + r);
            }
            ByteBuffer.wrap(frame).putInt(p.checkVersionAt, 1_000_000_007);
          }
          case FORWARD -> { }
        }
        writeFrame(out, frame);
      }
    } catch (Exception e) {
      // connection over
    }
  }

  private void serverToClient(Socket server, Socket client, long[] sessionId) {
    try (client; server) {
      DataInputStream in = new DataInputStream(server.getInputStream());
      OutputStream out = client.getOutputStream();
      byte[] response = readFrame(in);
      ByteBuffer b = ByteBuffer.wrap(response);
      b.getInt(); // protocol version
      b.getInt(); // negotiated timeout
      long id = b.getLong();
      byte[] password = new byte[b.getInt()];
      b.get(password);
      sessionId[0] = id;
      sessions.put(id, new Session(id, password));
      writeFrame(out, response);
      in.transferTo(out);
    } catch (Exception e) {
      // connection over
    }
  }

  private static byte[] readFrame(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > 128 * 1024 * 1024) {
      throw new EOFException("bad frame length " + len);
    }
    byte[] frame = new byte[len];
    in.readFully(frame);
    return frame;
  }

  private static void writeFrame(OutputStream out, byte[] frame) throws IOException {
    byte[] len = ByteBuffer.allocate(4).putInt(frame.length).array();
    synchronized (out) {
      out.write(len);
      out.write(frame);
      out.flush();
    }
  }

  private static final class Parsed {
    int xid;
    int type;
    List<Integer> opTypes = new ArrayList<>();
    List<String> opPaths = new ArrayList<>();
    int lastPathEnd = -1;
    int checkVersionAt = -1;
  }

  /** Request header, and for multi() the op types and paths (jute: MultiHeader{type, done, err} + op record). */
  static Parsed parse(byte[] frame) {
    Parsed p = new Parsed();
    ByteBuffer b = ByteBuffer.wrap(frame);
    p.xid = b.getInt();
    p.type = b.getInt();
    if (p.type != OP_MULTI && p.type != OP_MULTI_READ) {
      return p;
    }
    try {
      while (true) {
        int type = b.getInt();
        boolean done = b.get() != 0;
        b.getInt(); // err
        if (done) {
          break;
        }
        p.opTypes.add(type);
        int pathLen = b.getInt();
        int pathStart = b.position();
        p.opPaths.add(new String(frame, pathStart, pathLen, java.nio.charset.StandardCharsets.UTF_8));
        b.position(pathStart + pathLen);
        p.lastPathEnd = pathStart + pathLen;
        switch (type) {
          case 1, 15, 19, 21 -> { // create, create2, createContainer, createTTL
            skipBuffer(b);
            int acls = b.getInt();
            for (int i = 0; i < acls; i++) {
              b.getInt();
              skipBuffer(b);
              skipBuffer(b);
            }
            b.getInt();
            if (type == 21) {
              b.getLong();
            }
          }
          case OP_DELETE -> b.getInt();
          case OP_SET_DATA -> {
            skipBuffer(b);
            b.getInt();
          }
          case OP_CHECK -> {
            if (p.checkVersionAt < 0) {
              p.checkVersionAt = b.position();
            }
            b.getInt();
          }
          case 4, 8 -> b.get(); // getData, getChildren: watch flag
          default -> {
            return p;
          }
        }
      }
    } catch (RuntimeException e) {
      // a frame we do not understand is forwarded as is
    }
    return p;
  }

  private static void skipBuffer(ByteBuffer b) {
    int len = b.getInt();
    if (len > 0) {
      b.position(b.position() + len);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    dropAll();
  }
}
