package io.dcos.backup.sandbox.kubeapi;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resource types known at one moment: a fixed set of built-ins (what kubectl and the operator touch) plus every
 * served version of the CRDs currently stored. Rebuilt per request from the stored CRDs so that CRDs created or
 * deleted through the API take effect at once, as on a real server.
 */
final class ResourceCatalog {

  static final List<ApiResource> BUILT_INS = List.of(
      ApiResource.builtIn("", "v1", "namespaces", "Namespace", false, "ns"),
      ApiResource.builtIn("", "v1", "events", "Event", true, "ev"),
      ApiResource.builtIn("", "v1", "secrets", "Secret", true),
      ApiResource.builtIn("", "v1", "configmaps", "ConfigMap", true, "cm"),
      ApiResource.builtIn("", "v1", "serviceaccounts", "ServiceAccount", true, "sa"),
      ApiResource.builtIn("", "v1", "pods", "Pod", true, "po"),
      ApiResource.builtIn("", "v1", "services", "Service", true, "svc"),
      ApiResource.builtIn("coordination.k8s.io", "v1", "leases", "Lease", true),
      ApiResource.builtIn("events.k8s.io", "v1", "events", "Event", true, "ev"),
      ApiResource.builtIn("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
          false, "crd", "crds"));

  private final List<ApiResource> resources;

  private ResourceCatalog(List<ApiResource> resources) {
    this.resources = resources;
  }

  static ResourceCatalog of(List<CustomResourceDefinition> crds) {
    List<ApiResource> all = new ArrayList<>(BUILT_INS);
    for (CustomResourceDefinition crd : crds) {
      var names = crd.getSpec().getNames();
      for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
        if (Boolean.FALSE.equals(v.getServed())) {
          continue;
        }
        boolean status = v.getSubresources() != null && v.getSubresources().getStatus() != null;
        all.add(new ApiResource(crd.getSpec().getGroup(), v.getName(), names.getPlural(),
            names.getSingular() != null ? names.getSingular() : names.getKind().toLowerCase(), names.getKind(),
            "Namespaced".equals(crd.getSpec().getScope()), nonNull(names.getShortNames()),
            nonNull(names.getCategories()), status, crd, v));
      }
    }
    return new ResourceCatalog(List.copyOf(all));
  }

  private static List<String> nonNull(List<String> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  List<ApiResource> all() {
    return resources;
  }

  Optional<ApiResource> find(String group, String version, String plural) {
    return resources.stream()
        .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
        .findFirst();
  }

  /** Group → versions in the order first seen (built-ins first, so core groups list before CRD groups). */
  Map<String, List<String>> groupVersions() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (ApiResource r : resources) {
      List<String> versions = groups.computeIfAbsent(r.group(), g -> new ArrayList<>());
      if (!versions.contains(r.version())) {
        versions.add(r.version());
      }
    }
    return groups;
  }

  List<ApiResource> inGroupVersion(String group, String version) {
    return resources.stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
  }
}
