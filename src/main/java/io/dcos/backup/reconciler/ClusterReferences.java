package io.dcos.backup.reconciler;

import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.control.Failures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The Secrets and ConfigMaps a MarathonCluster's spec names, read in the operator's namespace. Each one read is
 * recorded in {@code references} as its name and resourceVersion, so that a changed Secret rebuilds the connection.
 * Messages name the spec field, the object and the key, never a value.
 */
final class ClusterReferences {
  private final KubernetesClient client;
  private final String namespace;
  private final List<String> references;

  ClusterReferences(KubernetesClient client, String namespace, List<String> references) {
    this.client = client;
    this.namespace = namespace;
    this.references = references;
  }

  /** The value of one key of a Secret, for {@code spec.<field>}. */
  String secretValue(MarathonClusterSpec.SecretKeyRef ref, String field) {
    return key(secret(ref.name(), field), ref.key(), field);
  }

  Secret secret(String name, String field) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IllegalArgumentException("spec." + field + ": cannot read Secret " + name + " in namespace "
          + namespace + ": " + Failures.message(e), e);
    }
    if (secret == null) {
      throw new IllegalArgumentException("spec." + field + ": Secret " + name + " not found in namespace "
          + namespace);
    }
    references.add("secret/" + name + "@" + secret.getMetadata().getResourceVersion());
    return secret;
  }

  ConfigMap configMap(String name, String field) {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
    if (map == null) {
      throw new IllegalArgumentException("spec." + field + ": ConfigMap " + name + " not found in "
          + "namespace " + namespace);
    }
    references.add("configmap/" + name + "@" + map.getMetadata().getResourceVersion());
    return map;
  }

  /** A Secret's key, from {@code data} (base64) or else {@code stringData}; absent or blank is refused. */
  static String key(Secret secret, String key, String field) {
    String value = null;
    if (secret.getData() != null && secret.getData().get(key) != null) {
      value = new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    } else if (secret.getStringData() != null) {
      value = secret.getStringData().get(key);
    }
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("spec." + field + ": Secret " + secret.getMetadata().getName()
          + " has no key " + key);
    }
    return value;
  }
}
