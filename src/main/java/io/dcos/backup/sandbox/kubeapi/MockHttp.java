package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The mock server's requests and responses as the front reads, rewrites and answers them. */
final class MockHttp {
  static final String JSON = "application/json";

  private MockHttp() {
  }

  static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(Json.write(body));
  }

  /** The response's body as text, {@code {}} when it has none. */
  static String body(MockResponse response) {
    if (response.getBody() == null) {
      return "{}";
    }
    byte[] bytes = response.getBody().getBytes();
    return bytes == null || bytes.length == 0 ? "{}" : new String(bytes, StandardCharsets.UTF_8);
  }

  /** A request's body as JSON, whether sent as JSON, YAML or protobuf. */
  static JsonNode parseBody(RecordedRequest request) {
    String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
    if (ProtobufBodies.isProtobuf(contentType)) {
      return ProtobufBodies.toJson(request.getBody() == null ? null : request.getBody().getBytes());
    }
    String text = request.getUtf8Body();
    if (contentType.contains("yaml")) {
      return Json.MAPPER.valueToTree(Serialization.unmarshal(text, Object.class));
    }
    return Json.parse(text);
  }

  /** The same request's headers with another method, path and JSON body, for the store. */
  static RecordedRequest rewrite(RecordedRequest original, HttpMethod method, String path, JsonNode body) {
    Headers.Builder headers = Headers.builder();
    original.getHeaders().toMultimap().forEach((k, vs) -> {
      if (!k.equalsIgnoreCase("Content-Type") && !k.equalsIgnoreCase("Content-Length")) {
        vs.forEach(v -> headers.add(k, v));
      }
    });
    headers.add("Content-Type", JSON);
    byte[] bytes = body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8);
    return new RecordedRequest(original.getHttpVersion(), method, path, headers.build(), new Buffer(bytes));
  }

  static MockResponse withJsonContentType(MockResponse response) {
    if (response.code() == 202) {
      // The mock answers PATCH with 202; a real server with 200.
      response.setResponseCode(200);
    }
    return response.setHeader("Content-Type", JSON);
  }
}
