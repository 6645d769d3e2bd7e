package io.dcos.backup.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Marathon's {@code --zk} URL: {@code zk://[user:pass@]host1:port,host2:port/path} (default path {@code /marathon}).
 *
 * <p>{@code digestCredentials} is {@code user:password} as ZooKeeper's digest scheme expects it. It never appears in
 * {@link #toString()}, {@link #hosts()} or in exception messages.
 */
public record ZkTarget(String connectString, String path, Optional<String> digestCredentials) {
  public static final String DEFAULT_PATH = "/marathon";
  private static final int DEFAULT_PORT = 2181;

  public ZkTarget {
    Objects.requireNonNull(connectString, "connectString");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(digestCredentials, "digestCredentials");
  }

  /** @throws IllegalArgumentException naming what is wrong; the message never contains the credentials */
  public static ZkTarget parse(String zkUrl) {
    if (zkUrl == null || zkUrl.isBlank()) {
      throw bad("it is empty");
    }
    String url = zkUrl.trim();
    if (!url.regionMatches(true, 0, "zk://", 0, 5)) {
      throw bad("it must start with zk://");
    }
    String rest = url.substring(5);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String rawPath = slash < 0 ? "" : rest.substring(slash);

    Optional<String> credentials = Optional.empty();
    // lastIndexOf: a password may itself contain '@'; host names cannot.
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon <= 0 || colon == userInfo.length() - 1) {
        throw bad("credentials must be user:password");
      }
      credentials = Optional.of(userInfo);
    }

    List<String> hosts = parseHosts(authority);
    String path = normalizePath(rawPath);
    return new ZkTarget(String.join(",", hosts), path, credentials);
  }

  private static List<String> parseHosts(String authority) {
    if (authority.isEmpty()) {
      throw bad("no ZooKeeper host given");
    }
    List<String> hosts = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      String hp = part.trim();
      if (hp.isEmpty()) {
        throw bad("empty host in host list");
      }
      String host;
      int port;
      if (hp.startsWith("[")) { // IPv6 literal: [::1]:2181
        int close = hp.indexOf(']');
        if (close < 0) {
          throw bad("unterminated IPv6 address");
        }
        host = hp.substring(0, close + 1);
        String after = hp.substring(close + 1);
        port = after.isEmpty() ? DEFAULT_PORT : parsePort(after.startsWith(":") ? after.substring(1) : "x");
      } else {
        int colon = hp.indexOf(':');
        host = colon < 0 ? hp : hp.substring(0, colon);
        port = colon < 0 ? DEFAULT_PORT : parsePort(hp.substring(colon + 1));
      }
      if (host.isEmpty() || !host.matches("[A-Za-z0-9._\\-\\[\\]:]+")) {
        throw bad("invalid host name");
      }
      hosts.add(host + ":" + port);
    }
    return hosts;
  }

  private static int parsePort(String s) {
    try {
      int port = Integer.parseInt(s);
      if (port < 1 || port > 65535) {
        throw bad("port " + port + " is out of range 1-65535");
      }
      return port;
    } catch (NumberFormatException e) {
      throw bad("port is not a number");
    }
  }

  private static String normalizePath(String rawPath) {
    String p = rawPath;
    int q = p.indexOf('?');
    if (q >= 0) {
      throw bad("query parameters are not supported");
    }
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty() || p.equals("/")) {
      return DEFAULT_PATH;
    }
    if (p.contains("//")) {
      throw bad("path " + p + " contains an empty segment");
    }
    for (String seg : p.substring(1).split("/")) {
      if (seg.equals(".") || seg.equals("..")) {
        throw bad("path " + p + " contains a relative segment");
      }
    }
    if (p.chars().anyMatch(c -> c == 0 || Character.isISOControl(c))) {
      throw bad("path contains control characters");
    }
    return p;
  }

  private static IllegalArgumentException bad(String reason) {
    return new IllegalArgumentException(
        "invalid ZooKeeper URL (expected zk://[user:password@]host:port[,host:port...]/path): " + reason);
  }

  public String statePath() {
    return path + "/state";
  }

  public String latchPath() {
    return path + "/leader-curator";
  }

  public List<String> hosts() {
    return List.of(connectString.split(","));
  }

  @Override
  public String toString() {
    return "zk://" + (digestCredentials.isPresent() ? "***@" : "") + connectString + path;
  }
}
