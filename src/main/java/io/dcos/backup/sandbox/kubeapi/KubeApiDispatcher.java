package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API server's front: answers discovery, OpenAPI, Table and admission itself and keeps objects in Fabric8's
 * {@link KubernetesCrudDispatcher} (the mock API server's CRUD mode), which also feeds watches. Routes each request
 * to the metadata documents, the reads or the writes.
 */
final class KubeApiDispatcher extends Dispatcher {
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  // Fabric8's store, handing out random UIDs as the API server does (the mock counts them from 1 in every JVM).
  final KubernetesCrudDispatcher store = new CrudStore();
  private final TableConverter tables;
  private final MetadataDocuments documents;
  private final ObjectReads reads;
  private final ObjectWrites writes;
  // Admission reads the current object, then writes: one writer at a time keeps that consistent.
  private final Object writeLock = new Object();

  KubeApiDispatcher(Clock clock, String kubernetesVersion) {
    this.tables = new TableConverter(clock);
    this.documents = new MetadataDocuments(this::catalog, kubernetesVersion);
    this.reads = new ObjectReads(store, tables);
    this.writes = new ObjectWrites(store, reads, clock);
  }

  /** Runs {@code action} while no write can happen (e.g. a watch opening and catching up, atomically). */
  void withoutWrites(Runnable action) {
    synchronized (writeLock) {
      action.run();
    }
  }

  /** Objects deleted after resourceVersion {@code since} (see {@link CrudStore}). */
  List<ObjectNode> deletedSince(long since) {
    return ((CrudStore) store).deletedSince(since);
  }

  void setServerAddress(String hostPort) {
    documents.setServerAddress(hostPort);
  }

  ObjectReads reads() {
    return reads;
  }

  TableConverter tables() {
    return tables;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    try {
      return route(request);
    } catch (StatusException e) {
      return e.toResponse();
    } catch (IllegalArgumentException e) {
      return StatusException.badRequest(e.getMessage()).toResponse();
    }
  }

  private record CachedCatalog(String crdsJson, ResourceCatalog catalog) {
  }

  private volatile CachedCatalog cachedCatalog = new CachedCatalog(null, null);

  /** The catalog for the CRDs stored now; rebuilt only when they changed (every request asks). */
  ResourceCatalog catalog() {
    JsonNode items = Json.parse(MockHttp.body(store.handleGet(CRD_PATH))).path("items");
    String crdsJson = items.toString();
    CachedCatalog cached = cachedCatalog;
    if (crdsJson.equals(cached.crdsJson())) {
      return cached.catalog();
    }
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (JsonNode item : items) {
      crds.add(Serialization.unmarshal(item.toString(), CustomResourceDefinition.class));
    }
    ResourceCatalog catalog = ResourceCatalog.of(crds);
    cachedCatalog = new CachedCatalog(crdsJson, catalog);
    return catalog;
  }

  private MockResponse route(RecordedRequest request) {
    ApiRequest api = ApiRequest.parse(request.getPath());
    HttpMethod method = request.method();
    if (method == HttpMethod.GET && !api.isResource()) {
      Optional<MockResponse> meta = documents.find(api);
      if (meta.isPresent()) {
        return meta.get();
      }
    }
    if (!api.isResource()) {
      return StatusException.noSuchResource().toResponse();
    }
    Optional<ApiResource> resource = catalog().find(api.group, api.version, api.plural);
    if (resource.isEmpty()) {
      if (isCustomGroup(api.group)) {
        // No CRD serves it (e.g. the operator is not installed): a real server answers 404, it never stores it.
        return StatusException.noSuchResource().toResponse();
      }
      // An unlisted built-in kind: leave it to the mock, as before.
      return store.dispatch(request);
    }
    ApiResource r = resource.get();
    if (!r.namespaced() && api.namespace != null) {
      throw StatusException.notFound(r, api.name);
    }
    switch (method) {
      case GET:
        return api.name == null ? reads.list(request, api, r) : reads.get(request, api, r);
      case POST:
        synchronized (writeLock) {
          return writes.create(request, api, r);
        }
      case PUT:
        synchronized (writeLock) {
          return writes.update(request, api, r, MockHttp.parseBody(request));
        }
      case PATCH:
        synchronized (writeLock) {
          return writes.patch(request, api, r);
        }
      case DELETE:
        synchronized (writeLock) {
          return writes.delete(request, api, r);
        }
      default:
        return store.dispatch(request);
    }
  }

  /** A group only a CRD can serve: dotted and not one of Kubernetes' own (*.k8s.io, or a dotless core group). */
  static boolean isCustomGroup(String group) {
    return group != null && group.contains(".") && !group.endsWith(".k8s.io");
  }
}
