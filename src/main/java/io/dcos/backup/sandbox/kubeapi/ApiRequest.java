package io.dcos.backup.sandbox.kubeapi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A request path split into what the API server routes on. */
final class ApiRequest {
  final String path;
  final Map<String, String> query;
  /** Null unless the path addresses a resource type: /api/v1/... or /apis/group/version/... */
  final String group;
  final String version;
  final String namespace;
  final String plural;
  final String name;
  final String subresource;

  private ApiRequest(String path, Map<String, String> query, String group, String version, String namespace,
      String plural, String name, String subresource) {
    this.path = path;
    this.query = query;
    this.group = group;
    this.version = version;
    this.namespace = namespace;
    this.plural = plural;
    this.name = name;
    this.subresource = subresource;
  }

  static ApiRequest parse(String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    Map<String, String> query = new LinkedHashMap<>();
    if (q >= 0) {
      for (String pair : uri.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        query.put(key, value);
      }
    }
    List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    String version;
    List<String> rest;
    if (segments.size() >= 3 && segments.get(0).equals("api")) {
      group = "";
      version = segments.get(1);
      rest = segments.subList(2, segments.size());
    } else if (segments.size() >= 4 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      version = segments.get(2);
      rest = segments.subList(3, segments.size());
    } else {
      return new ApiRequest(path, query, null, null, null, null, null, null);
    }
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    return new ApiRequest(path, query, group, version, namespace, rest.get(0), rest.size() > 1 ? rest.get(1) : null,
        rest.size() > 2 ? String.join("/", rest.subList(2, rest.size())) : null);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  boolean isResource() {
    return plural != null;
  }

  boolean isWatch() {
    String watch = query.get("watch");
    return "true".equals(watch) || "1".equals(watch);
  }

  boolean isStatus() {
    return "status".equals(subresource);
  }

  /** The path with the given query parameters left out, re-encoded, for handing to the store. */
  String uriWithout(String... dropped) {
    List<String> drop = List.of(dropped);
    String kept = query.entrySet().stream()
        .filter(e -> !drop.contains(e.getKey()))
        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
    return kept.isEmpty() ? path : path + "?" + kept;
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
