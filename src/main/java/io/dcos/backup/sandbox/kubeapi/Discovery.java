package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The legacy (non-aggregated) discovery documents. Aggregated discovery is not served: client-go looks at the
 * response Content-Type and falls back to these when it is plain {@code application/json}.
 */
final class Discovery {
  private Discovery() {
  }

  static final String DEFAULT_KUBERNETES_VERSION = "1.32";

  /** {@code minorVersion} like "1.32": the kubectl dispatcher on PATH runs the kubectl matching it. */
  static ObjectNode version(String kubernetesVersion) {
    String[] parts = kubernetesVersion.split("\\.");
    ObjectNode v = Json.object();
    v.put("major", parts[0]);
    v.put("minor", parts[1]);
    v.put("gitVersion", "v" + parts[0] + "." + parts[1] + "." + (parts.length > 2 ? parts[2] : "0"));
    v.put("gitCommit", "sandbox");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2025-01-01T00:00:00Z");
    v.put("goVersion", "go1.23");
    v.put("compiler", "gc");
    v.put("platform", "linux/amd64");
    return v;
  }

  static ObjectNode coreVersions(String serverAddress) {
    ObjectNode doc = Json.object();
    doc.put("kind", "APIVersions");
    doc.putArray("versions").add("v1");
    ObjectNode cidr = doc.putArray("serverAddressByClientCIDRs").addObject();
    cidr.put("clientCIDR", "0.0.0.0/0");
    cidr.put("serverAddress", serverAddress);
    return doc;
  }

  static ObjectNode groupList(ResourceCatalog catalog) {
    ObjectNode doc = Json.object();
    doc.put("kind", "APIGroupList");
    doc.put("apiVersion", "v1");
    ArrayNode groups = doc.putArray("groups");
    for (Map.Entry<String, List<String>> g : catalog.groupVersions().entrySet()) {
      if (!g.getKey().isEmpty()) {
        groups.add(group(g.getKey(), g.getValue()));
      }
    }
    return doc;
  }

  static Optional<ObjectNode> group(ResourceCatalog catalog, String name) {
    List<String> versions = catalog.groupVersions().get(name);
    return versions == null || name.isEmpty() ? Optional.empty() : Optional.of(group(name, versions));
  }

  private static ObjectNode group(String name, List<String> versions) {
    ObjectNode group = Json.object();
    group.put("kind", "APIGroup");
    group.put("apiVersion", "v1");
    group.put("name", name);
    ArrayNode list = group.putArray("versions");
    for (String v : versions) {
      ObjectNode gv = list.addObject();
      gv.put("groupVersion", name + "/" + v);
      gv.put("version", v);
    }
    ObjectNode preferred = group.putObject("preferredVersion");
    preferred.put("groupVersion", name + "/" + versions.get(0));
    preferred.put("version", versions.get(0));
    return group;
  }

  static Optional<ObjectNode> resourceList(ResourceCatalog catalog, String group, String version) {
    List<ApiResource> resources = catalog.inGroupVersion(group, version);
    if (resources.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode doc = Json.object();
    doc.put("kind", "APIResourceList");
    doc.put("apiVersion", "v1");
    doc.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode list = doc.putArray("resources");
    for (ApiResource r : resources) {
      ObjectNode res = list.addObject();
      res.put("name", r.plural());
      res.put("singularName", r.singular());
      res.put("namespaced", r.namespaced());
      res.put("kind", r.kind());
      ArrayNode verbs = res.putArray("verbs");
      ApiResource.ALL_VERBS.forEach(verbs::add);
      if (!r.shortNames().isEmpty()) {
        ArrayNode shortNames = res.putArray("shortNames");
        r.shortNames().forEach(shortNames::add);
      }
      if (!r.categories().isEmpty()) {
        ArrayNode categories = res.putArray("categories");
        r.categories().forEach(categories::add);
      }
      res.put("storageVersionHash", Integer.toHexString(r.groupVersion().hashCode() ^ r.plural().hashCode()));
      if (r.statusSubresource()) {
        ObjectNode status = list.addObject();
        status.put("name", r.plural() + "/status");
        status.put("singularName", "");
        status.put("namespaced", r.namespaced());
        status.put("kind", r.kind());
        status.putArray("verbs").add("get").add("patch").add("update");
      }
    }
    return Optional.of(doc);
  }
}
