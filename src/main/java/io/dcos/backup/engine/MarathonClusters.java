package io.dcos.backup.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Marathons this operator serves, by MarathonCluster name: one {@link BackupService} (its own ZooKeeper client,
 * lock and fence, under its own {@code --zk} path) per Marathon. Who may use a cluster is kept with it, so that a
 * queued operation checks again when it runs. No Kubernetes here: the reconciler turns the objects into entries.
 */
public final class MarathonClusters implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonClusters.class);
  /** Allowed namespaces entry meaning every namespace. */
  public static final String ANY_NAMESPACE = "*";

  /**
   * A usable cluster ({@code service} set) or one whose configuration cannot be used ({@code problem} says why).
   *
   * @param fingerprint what the entry was built from (spec and the versions of the Secrets it names): an entry is
   *     rebuilt only when it changes
   */
  public record Cluster(String name, BackupService service, Set<String> allowedNamespaces, String storageLocation,
      String fingerprint, String problem) {

    public boolean usable() {
      return service != null;
    }

    public boolean allows(String namespace) {
      return allowedNamespaces.contains(ANY_NAMESPACE) || allowedNamespaces.contains(namespace);
    }
  }

  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
  /** Services replaced or removed: an operation may still be running on one, so they are closed only at the end. */
  private final List<BackupService> retired = new ArrayList<>();
  /** Services the caller owns (the one built from the environment): never closed here. */
  private final Set<BackupService> external = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  private final List<Runnable> registered = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs {@code listener} (which must not block) whenever a cluster is added or its configuration changes. */
  public void onRegistered(Runnable listener) {
    registered.add(listener);
  }

  /** A cluster served by a service the caller built and closes (the operator's environment configuration). */
  public synchronized Cluster registerExternal(String name, BackupService service, Set<String> allowedNamespaces,
      String storageLocation) {
    external.add(service);
    return register(name, "external:" + System.identityHashCode(service), allowedNamespaces, storageLocation,
        () -> service);
  }

  /**
   * Adds or replaces a cluster. The service is built only when the fingerprint changed (building one is cheap: it
   * connects lazily); the one it replaces keeps serving an operation already running on it.
   */
  public synchronized Cluster register(String name, String fingerprint, Set<String> allowedNamespaces,
      String storageLocation, Supplier<BackupService> service) {
    Cluster existing = clusters.get(name);
    if (existing != null && existing.usable() && Objects.equals(existing.fingerprint(), fingerprint)) {
      Cluster same = new Cluster(name, existing.service(), Set.copyOf(allowedNamespaces), storageLocation, fingerprint,
          null);
      clusters.put(name, same);
      return same;
    }
    Cluster built = new Cluster(name, service.get(), Set.copyOf(allowedNamespaces), storageLocation, fingerprint, null);
    retire(clusters.put(name, built));
    registered.forEach(Runnable::run);
    if (existing == null || !existing.usable()) {
      log.info("MarathonCluster {}: {} at {}", name, built.service().config().marathonUrl(),
          built.service().config().zookeeper());
    } else {
      log.info("MarathonCluster {} changed: now {} at {}", name, built.service().config().marathonUrl(),
          built.service().config().zookeeper());
    }
    return built;
  }

  /** A cluster whose object exists but cannot be used (a missing Secret, a bad URL): operations on it fail so. */
  public synchronized Cluster unusable(String name, String fingerprint, Set<String> allowedNamespaces,
      String problem) {
    Cluster bad = new Cluster(name, null, Set.copyOf(allowedNamespaces), null, fingerprint, problem);
    retire(clusters.put(name, bad));
    return bad;
  }

  /** The cluster's object is gone: operations queued for it fail when they come to run. */
  public synchronized void remove(String name) {
    Cluster removed = clusters.remove(name);
    retire(removed);
    if (removed != null) {
      log.info("MarathonCluster {} removed", name);
    }
  }

  public Optional<Cluster> get(String name) {
    return Optional.ofNullable(clusters.get(name));
  }

  /**
   * The cluster an archive was taken from, by the ZooKeeper hosts and path its manifest records: the usable cluster
   * with that path and a host in common; else the only one with that path (its ensemble moved to new hosts); else,
   * when several have it, {@code preferred} if it is one of them. Empty when no cluster has the path (its
   * MarathonCluster does not exist, or is not registered yet) or the choice is ambiguous.
   */
  public Optional<String> clusterOf(List<String> hosts, String zkPath, String preferred) {
    List<Cluster> samePath = clusters.values().stream().filter(Cluster::usable)
        .filter(c -> c.service().config().zookeeper().path().equals(zkPath)).toList();
    Set<String> archiveHosts = Set.copyOf(hosts == null ? List.of() : hosts);
    List<Cluster> sameHosts = samePath.stream()
        .filter(c -> c.service().config().zookeeper().hosts().stream().anyMatch(archiveHosts::contains)).toList();
    if (sameHosts.size() == 1) {
      return Optional.of(sameHosts.get(0).name());
    }
    if (samePath.size() == 1) {
      return Optional.of(samePath.get(0).name());
    }
    return samePath.stream().map(Cluster::name).filter(preferred::equals).findFirst();
  }

  /** Every usable cluster, by name. */
  public Map<String, BackupService> services() {
    Map<String, BackupService> out = new java.util.TreeMap<>();
    clusters.values().stream().filter(Cluster::usable).forEach(c -> out.put(c.name(), c.service()));
    return out;
  }

  private void retire(Cluster old) {
    if (old != null && old.usable() && clusters.values().stream().noneMatch(c -> c.service() == old.service())) {
      retired.add(old.service());
    }
  }

  /** Closes every service this registry built or was given. */
  @Override
  public synchronized void close() {
    clusters.values().stream().filter(Cluster::usable).map(Cluster::service).filter(s -> !external.contains(s))
        .forEach(BackupService::close);
    retired.stream().filter(s -> !external.contains(s)).forEach(BackupService::close);
    clusters.clear();
    retired.clear();
  }
}
