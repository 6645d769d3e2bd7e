package io.dcos.backup.cli;

import static io.dcos.backup.cli.UserError.oneLine;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * The plugin's client of one namespace of one cluster, connected as kubectl connects, whose failures reach the user
 * as one line each.
 *
 * @param server the API server's URL, named when it cannot be reached
 */
record KubeConnection(KubernetesClient client, String namespace, String server) implements AutoCloseable {
  /** How many fresh names a create tries before a taken name is the error. */
  private static final int NAME_ATTEMPTS = 5;

  /**
   * Connects as kubectl would: {@code --kubeconfig} or $KUBECONFIG or ~/.kube/config (or in-cluster), the given or
   * current context, and the given namespace or the context's or "default".
   */
  static KubeConnection connect(String kubeconfig, String context, String namespace) {
    quietClientLogging();
    Config config;
    try {
      if (kubeconfig != null) {
        File file = new File(kubeconfig);
        if (!file.isFile()) {
          throw new UserError("kubeconfig " + kubeconfig + " does not exist");
        }
        config = Config.fromKubeconfig(context, file);
      } else {
        config = Config.autoConfigure(context);
      }
    } catch (KubernetesClientException e) {
      throw new UserError("cannot load the kubeconfig: " + oneLine(e.getMessage()));
    }
    // A CLI answers at once: no retry loop on a refused connection, no long connect timeout.
    config = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).withConnectionTimeout(10_000).build();
    String ns = namespace != null ? namespace : Optional.ofNullable(config.getNamespace()).orElse("default");
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    return new KubeConnection(client, ns, config.getMasterUrl());
  }

  /** Fabric8 warns on stderr about things a plugin user cannot act on (e.g. an alpha API version). */
  private static void quietClientLogging() {
    if (LoggerFactory.getLogger("io.fabric8") instanceof ch.qos.logback.classic.Logger logger
        && (logger.getLevel() == null || logger.getLevel().isGreaterOrEqual(Level.WARN))) {
      logger.setLevel(Level.ERROR);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  /** The object of this namespace, or null when there is none. */
  <T extends HasMetadata> T get(Class<T> type, String name) {
    return api(() -> client.resources(type).inNamespace(namespace).withName(name).get());
  }

  /**
   * Creates {@code resource} in this namespace under a name from {@code freshName}, drawing another when the name is
   * taken.
   */
  <T extends HasMetadata> T createUnderFreshName(T resource, Supplier<String> freshName) {
    resource.getMetadata().setNamespace(namespace);
    for (int attempt = 1; ; attempt++) {
      resource.getMetadata().setName(freshName.get());
      try {
        return api(() -> client.resource(resource).create());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= NAME_ATTEMPTS) {
          throw translate(e);
        }
      }
    }
  }

  /** Runs an API call, turning what the user can act on into one line; a conflict (409) is left to the caller. */
  <T> T api(Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw e;
      }
      throw translate(e);
    }
  }

  RuntimeException translate(KubernetesClientException e) {
    if (e.getCode() == 404) {
      return new UserError("the server doesn't have the resource types backups/restores.backup.dcos.io: "
          + "is the marathon-backup-operator installed? (kubectl apply -k deploy/)");
    }
    if (e.getStatus() == null || e.getCode() <= 0) {
      // No HTTP answer: name the innermost cause (connection refused, unknown host, TLS…).
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
        if (cause instanceof java.net.ConnectException) {
          return new UserError("cannot reach the Kubernetes API server at " + server + ": connection refused");
        }
      }
      if (cause != e) {
        return new UserError("cannot reach the Kubernetes API server at " + server + ": "
            + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + oneLine(cause.getMessage())));
      }
    }
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    return new UserError(oneLine(message));
  }
}
