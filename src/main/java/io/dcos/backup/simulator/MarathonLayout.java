package io.dcos.backup.simulator;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Marathon's ZooKeeper storage layout under {@code <zk>/state}: {@code <category>/<bucket>/<id>[/<version>]}.
 * Buckets and version names are Marathon's; the simulator stores JSON where Marathon stores protobuf
 * ({@code apps}, {@code group}, {@code framework-id}, {@code internal:storage:version}).
 */
public final class MarathonLayout {

  /** Marathon's timestamps: ISO-8601 offset date-time with milliseconds, in UTC. */
  public static final DateTimeFormatter VERSION =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

  private MarathonLayout() {}

  /** One hex digit: {@code abs(id.hashCode % 16)}. */
  public static String bucket(String id) {
    return Integer.toHexString(Math.abs(id.hashCode() % 16));
  }

  /** {@code <state>/<category>/<bucket>/<id>}. */
  public static String node(String statePath, String category, String id) {
    return statePath + "/" + category + "/" + bucket(id) + "/" + id;
  }

  /** Marathon's storage id of an app: its path without the leading slash, '/' replaced by '_'. */
  public static String safeId(String appId) {
    String s = appId.startsWith("/") ? appId.substring(1) : appId;
    return s.replace('/', '_');
  }

  public static String version(Instant t) {
    return VERSION.format(t);
  }
}
