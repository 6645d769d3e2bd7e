package io.dcos.backup.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy in front of the S3 server that can take the store "down": once armed, the first request carrying
 * {@code trigger} (e.g. an UploadPart's {@code partNumber=}) cuts every connection, and new ones are cut at once
 * until {@link #heal()}. What a client sees of a store that crashed or lost its network mid-upload.
 */
final class OutageProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicBoolean down = new AtomicBoolean();
  private volatile String trigger;
  private volatile boolean tripped;

  OutageProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "outage-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The store goes down when a request containing {@code marker} passes. */
  void downOn(String marker) {
    tripped = false;
    trigger = marker;
  }

  boolean tripped() {
    return tripped;
  }

  void heal() {
    trigger = null;
    down.set(false);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (down.get()) {
          client.close();
          continue;
        }
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        open.add(client);
        open.add(upstream);
        pump(client, upstream, true);
        pump(upstream, client, false);
      } catch (IOException e) {
        // closed, or one connection failed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean watch) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          String marker = trigger;
          if (watch && marker != null && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(marker)) {
            tripped = true;
            cutEverything();
            return;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // a cut connection
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "outage-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void cutEverything() {
    down.set(true);
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cutEverything();
  }
}
