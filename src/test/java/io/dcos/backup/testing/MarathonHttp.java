package io.dcos.backup.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Plain calls to a Marathon's REST API, independent of the operator's client, answering the status code. */
public final class MarathonHttp {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private MarathonHttp() {}

  public static int post(URI base, String path, String json) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  public static int get(URI base, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
