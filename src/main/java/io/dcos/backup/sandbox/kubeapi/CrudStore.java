package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.UUID;

/**
 * Fabric8's CRUD store with the API server's UIDs: a random (version 4) UUID per created object.
 *
 * <p>The mock numbers UIDs from a JVM-wide counter ({@code 00000000-0000-0000-0000-000000000001}, …), so every fresh
 * process hands out the same sequence. UIDs are meant to be unique across space and time: backup IDs and safety
 * snapshot IDs are derived from them, and two sandbox runs must not produce the same IDs, which would collide with
 * outcome records in a persistent ZooKeeper and with archives recovered from a reused backup directory.
 */
final class CrudStore extends KubernetesCrudDispatcher {
  /** The UID given to the object the current thread's create stores; creates run on the caller's thread. */
  private final ThreadLocal<String> created = new ThreadLocal<>();
  private final ThreadLocal<Boolean> creating = ThreadLocal.withInitial(() -> false);

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    creating.set(true);
    try {
      MockResponse response = super.handleCreate(request);
      String uid = created.get();
      if (uid != null && response.code() < 300 && response.getBody() != null) {
        // The mock serialized the object it answers with before storing it: give the answer the stored UID.
        JsonNode body = Json.parse(KubeApiDispatcher.body(response));
        if (body.path("metadata").isObject()) {
          ((ObjectNode) body.get("metadata")).put("uid", uid);
          response.setBody(Json.write(body));
        }
      }
      return response;
    } finally {
      creating.set(false);
      created.remove();
    }
  }

  /** Every store write passes here; for a create (no previous key) the mock's UID is replaced before it is kept. */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String json) {
    String stored = json;
    if (creating.get() && oldAttributes == null && json != null) {
      JsonNode object = Json.parse(json);
      if (object.path("metadata").isObject()) {
        String uid = UUID.randomUUID().toString();
        ((ObjectNode) object.get("metadata")).put("uid", uid);
        stored = Json.write(object);
        if (resource != null && resource.getMetadata() != null) {
          resource.getMetadata().setUid(uid);
        }
        created.set(uid);
      }
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, stored);
  }
}
