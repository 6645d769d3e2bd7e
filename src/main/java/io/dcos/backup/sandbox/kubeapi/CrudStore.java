package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

/**
 * Fabric8's CRUD store with two things of the API server's it lacks: a random (version 4) UUID per created object,
 * and the deletions a watch resumed from a resourceVersion must still be told about.
 *
 * <p>The mock numbers UIDs from a JVM-wide counter ({@code 00000000-0000-0000-0000-000000000001}, …), so every fresh
 * process hands out the same sequence. UIDs are meant to be unique across space and time: backup IDs and safety
 * snapshot IDs are derived from them, and two sandbox runs must not produce the same IDs, which would collide with
 * outcome records in a persistent ZooKeeper and with archives recovered from a reused backup directory.
 *
 * <p>The mock's watches have no history: a watch opened at resourceVersion N after the object was deleted never sees
 * the DELETED event — which is exactly how `kubectl delete` waits (GET, then a watch from the GET's version), so a
 * deletion completed in between left kubectl waiting for its timeout. The last deletions are kept as tombstones,
 * each with a resourceVersion of its own, for {@link #deletedSince}.
 */
final class CrudStore extends KubernetesCrudDispatcher {
  private static final int TOMBSTONES = 1000;

  /** A deleted object as it was last stored, its resourceVersion the deletion's. */
  record Tombstone(long resourceVersion, ObjectNode object) {
  }

  private final Deque<Tombstone> tombstones = new ArrayDeque<>();
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
        JsonNode body = Json.parse(MockHttp.body(response));
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
    if (json == null && oldAttributes != null) {
      String previous = map.get(oldAttributes);
      if (previous != null) {
        remember((ObjectNode) Json.parse(previous));
      }
    }
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

  private void remember(ObjectNode object) {
    if (!object.path("metadata").isObject()) {
      return;
    }
    long version = requestResourceVersion();
    ((ObjectNode) object.get("metadata")).put("resourceVersion", Long.toString(version));
    synchronized (tombstones) {
      tombstones.addLast(new Tombstone(version, object));
      while (tombstones.size() > TOMBSTONES) {
        tombstones.removeFirst();
      }
    }
  }

  /** Objects deleted after resourceVersion {@code since}, oldest first (copies). */
  List<ObjectNode> deletedSince(long since) {
    List<ObjectNode> deleted = new ArrayList<>();
    synchronized (tombstones) {
      for (Tombstone tombstone : tombstones) {
        if (tombstone.resourceVersion() > since) {
          deleted.add(tombstone.object().deepCopy());
        }
      }
    }
    return deleted;
  }
}
