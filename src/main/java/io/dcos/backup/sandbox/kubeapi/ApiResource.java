package io.dcos.backup.sandbox.kubeapi;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

import java.util.List;

/** One resource type the embedded API serves: a built-in one or one version of a CRD. */
record ApiResource(String group, String version, String plural, String singular, String kind, boolean namespaced,
    List<String> shortNames, List<String> categories, boolean statusSubresource,
    CustomResourceDefinition crd, CustomResourceDefinitionVersion crdVersion) {

  static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  static ApiResource builtIn(String group, String version, String plural, String kind, boolean namespaced,
      String... shortNames) {
    return new ApiResource(group, version, plural, kind.toLowerCase(), kind, namespaced, List.of(shortNames),
        List.of(), false, null, null);
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  boolean isCustom() {
    return crd != null;
  }

  /** What a real server names the resource in NotFound and Conflict messages, e.g. {@code backups.backup.dcos.io}. */
  String qualifiedResource() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  /** The path of this resource's collection, in {@code namespace} when namespaced and given. */
  String collectionPath(String namespace) {
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return prefix + (namespaced && namespace != null ? "/namespaces/" + namespace : "") + "/" + plural;
  }

  String objectPath(String namespace, String name) {
    return collectionPath(namespace) + "/" + name;
  }

  /** What a real server names the kind in error messages, e.g. {@code Backup.backup.dcos.io}. */
  String qualifiedKind() {
    return group.isEmpty() ? kind : kind + "." + group;
  }
}
