package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Where one Marathon and its ZooKeeper state are, and who may back it up or restore it. Credentials are never in the
 * spec: only references to Secrets in the operator's namespace.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "!self.zookeeper.contains('@')", message = "zookeeper holds no credentials: put user:password "
    + "in a Secret and name it in spec.credentials.zookeeperDigest", fieldPath = ".zookeeper")
public record MarathonClusterSpec(
    /** Marathon's --zk value, e.g. zk://zk-1.zk:2181,zk-2.zk:2181/marathon (a MoM: /marathon-user). */
    @Required @Pattern("^zk://[^/@]+/.+$") String zookeeper,
    @Required Endpoint marathon,
    Credentials credentials,
    /** The CA bundle HTTPS to Marathon trusts (DC/OS: dcos-ca.crt); unset: the JVM's CAs. */
    CaBundle caBundle,
    Fence fence,
    /** The BackupStorageLocation this cluster's Backups go to when they name none; unset: the default location. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String storageLocation,
    /**
     * Namespaces whose Backups, Restores and schedules may use this cluster; {@code *} = every namespace. Unset or
     * empty: only the operator's own namespace (restoring a production Marathon is a privilege).
     */
    List<String> allowedNamespaces) {

  /** Marathon's HTTP API: directly (http://marathon.mesos:8080) or through Admin Router (https://master/service/marathon-user). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Endpoint(@Required @Pattern("^https?://.+") String url) {}

  /** At most one way of authenticating to Marathon (serviceAccount, token or basicAuth); ZooKeeper's digest besides. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @ValidationRule(value = "(has(self.serviceAccount) ? 1 : 0) + (has(self.token) ? 1 : 0) + (has(self.basicAuth) ? 1 "
      + ": 0) <= 1", message = "set at most one of serviceAccount, token or basicAuth")
  public record Credentials(
      /** A key holding {@code user:password} for ZooKeeper's digest scheme (DC/OS strict mode: super or a user). */
      SecretKeyRef zookeeperDigest,
      /** A key holding a DC/OS service account credential JSON (dcos security org service-accounts create). */
      SecretKeyRef serviceAccount,
      /** A key holding a bearer token (an ACS token or another Authorization: token=… value). */
      SecretKeyRef token,
      /** A Secret of type kubernetes.io/basic-auth: keys {@code username} and {@code password}. */
      SecretRef basicAuth) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SecretKeyRef(@Required String name, @Required String key) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SecretRef(@Required String name) {}

  /** A PEM bundle in a ConfigMap or a Secret (exactly one) of the operator's namespace; key default {@code ca.crt}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @ValidationRule(value = "has(self.configMap) != has(self.secret)", message = "set exactly one of configMap or secret")
  public record CaBundle(String configMap, String secret, String key) {
    public String keyOrDefault() {
      return key == null || key.isBlank() ? "ca.crt" : key;
    }
  }

  /** How long the fence waits for Marathon (as FENCE_*_TIMEOUT_SECONDS); unset: the operator's defaults. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Fence(
      @Min(1) @Max(86400) Long abdicationTimeoutSeconds,
      @Min(1) @Max(86400) Long acquireTimeoutSeconds,
      @Min(1) @Max(86400) Long recoveryTimeoutSeconds) {}
}
