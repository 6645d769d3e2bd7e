package io.dcos.backup.reconciler;

import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.marathon.TlsTrust;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The TLS trust a MarathonCluster's {@code spec.caBundle} names: a ConfigMap's or a Secret's PEM, or the JVM's own. */
final class ClusterCaBundle {
  private ClusterCaBundle() {}

  static TlsTrust trust(MarathonClusterSpec.CaBundle bundle, ClusterReferences references) {
    if (bundle == null) {
      return TlsTrust.jvmDefault("set spec.caBundle to the cluster CA (dcos-ca.crt, from https://<master>/ca/"
          + "dcos-ca.crt)");
    }
    String pem;
    String source;
    if ((bundle.configMap() == null) == (bundle.secret() == null)) {
      throw new IllegalArgumentException("spec.caBundle: set exactly one of configMap or secret");
    }
    if (bundle.configMap() != null) {
      source = "ConfigMap " + bundle.configMap();
      ConfigMap map = references.configMap(bundle.configMap(), "caBundle");
      pem = map.getData() == null ? null : map.getData().get(bundle.keyOrDefault());
      if (pem == null) {
        throw new IllegalArgumentException("spec.caBundle: ConfigMap " + bundle.configMap() + " has no key "
            + bundle.keyOrDefault());
      }
    } else {
      source = "Secret " + bundle.secret();
      Secret secret = references.secret(bundle.secret(), "caBundle");
      pem = ClusterReferences.key(secret, bundle.keyOrDefault(), "caBundle");
    }
    Path file = null;
    try {
      file = Files.createTempFile("marathon-cluster-ca", ".pem");
      Files.writeString(file, pem, StandardCharsets.UTF_8);
      return TlsTrust.fromPemFile(file, "it is not signed by the CA of spec.caBundle (" + source + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException("spec.caBundle: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.caBundle (" + source + ", key " + bundle.keyOrDefault() + "): "
          + e.getMessage().replace(String.valueOf(file), "it"), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file of a public CA certificate
        }
      }
    }
  }
}
