package io.dcos.backup.simulator;

import static io.dcos.backup.simulator.HttpReplies.JSON;
import static io.dcos.backup.simulator.MarathonLayout.node;
import static io.dcos.backup.simulator.MarathonLayout.safeId;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dcos.backup.zookeeper.PortableWrites;
import io.dcos.backup.zookeeper.StorageVersion;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lifetime's memory of its apps and how it keeps them in {@code <zk>/state} ({@link MarathonLayout}): the
 * migration check and base layout on election, loading, app writes and instance updates. Callers hold the
 * lifetime's write lock around every write, so no write follows an exit.
 */
final class MarathonState {

  private static final Logger LOG = LoggerFactory.getLogger(MarathonState.class);
  /** Marathon 1.10's migration target ({@code StorageVersions(110, 100)}). */
  static final StorageVersion TARGET_STORAGE_VERSION =
      new StorageVersion(110, 100, 0, StorageVersion.PERSISTENCE_STORE);
  static final int MAX_VERSIONS = 50;

  private final CuratorFramework zk;
  private final String statePath;
  private final String hostPort;
  /** As Marathon: with ZooKeeper credentials its nodes are its own (CREATOR_ALL), otherwise open. */
  private final List<ACL> createAcl;
  private final Map<String, ObjectNode> apps = new LinkedHashMap<>();
  private final Map<String, String> instanceIds = new HashMap<>();
  private volatile String frameworkId;
  private Instant lastVersion = Instant.EPOCH;

  MarathonState(CuratorFramework zk, String statePath, String hostPort, boolean withCredentials) {
    this.zk = zk;
    this.statePath = statePath;
    this.hostPort = hostPort;
    this.createAcl = withCredentials ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
  }

  String frameworkId() {
    return frameworkId;
  }

  // --- on election ---------------------------------------------------------------------------------------

  /**
   * Marathon's migrateAsync starts by reading runtime-configuration and storing it back reset to no backup and no
   * restore, before the storage version is even looked at: an instance elected on a state it then refuses has still
   * written this one node.
   */
  void resetRuntimeConfiguration() throws Exception {
    createOrSet(node(statePath, "runtime-configuration", "id"), "{}".getBytes(UTF_8));
  }

  /**
   * Marathon's migrateStorage: a stored version older than the minimum or newer than this build's target is
   * refused (the election fails); a missing one means a fresh install (this build's version is written); an older
   * supported one is migrated (here: only the version is rewritten). Returns why the state was refused.
   */
  Optional<String> migrateStorage() throws Exception {
    String path = statePath + "/" + StorageVersion.NODE;
    byte[] data = getOrNull(path);
    if (data == null) {
      LOG.info("marathon {}: no migration necessary, no version stored", hostPort);
      createOrSet(path, TARGET_STORAGE_VERSION.toNodeData());
      return Optional.empty();
    }
    Optional<StorageVersion> stored = StorageVersion.fromNodeData(data);
    if (stored.isEmpty()) {
      return Optional.of("Migration Failed: " + path + " is not a StorageVersion");
    }
    StorageVersion v = stored.get();
    if (v.isOlderThan(StorageVersion.MIN_SUPPORTED)) {
      return Optional.of("Migration from versions < " + StorageVersion.MIN_SUPPORTED + " are not supported. Your "
          + "version: " + v);
    }
    if (v.isNewerThan(TARGET_STORAGE_VERSION)) {
      return Optional.of("Migration from " + v + " is not supported as it is newer than " + TARGET_STORAGE_VERSION
          + ".");
    }
    if (v.isOlderThan(TARGET_STORAGE_VERSION)) {
      LOG.info("marathon {}: migrating storage from {} to {}", hostPort, v, TARGET_STORAGE_VERSION);
      createOrSet(path, TARGET_STORAGE_VERSION.toNodeData());
    }
    return Optional.empty();
  }

  /** The framework id and the root group, written when the state is empty. */
  void ensureLayout() throws Exception {
    String fw = node(statePath, "framework-id", "id");
    byte[] fwData = getOrNull(fw);
    if (fwData != null && fwData.length > 0) {
      frameworkId = JSON.readTree(fwData).path("value").asText(null);
    }
    if (frameworkId == null) {
      frameworkId = UUID.randomUUID() + "-0000";
      createOrSet(fw, JSON.writeValueAsBytes(Map.of("value", frameworkId)));
    }
    byte[] root = getOrNull(node(statePath, "group", "root"));
    if (root == null || root.length == 0) {
      writeRootGroup(nextVersion());
    }
  }

  /** The apps the root group names, and the instance each has (a new id for one without). */
  void load() throws Exception {
    byte[] root = getOrNull(node(statePath, "group", "root"));
    JsonNode group = JSON.readTree(root);
    synchronized (apps) {
      apps.clear();
      for (JsonNode ref : group.path("apps")) {
        String id = ref.path("id").asText();
        String appNode = node(statePath, "apps", safeId(id));
        byte[] data = getOrNull(appNode + "/" + ref.path("version").asText());
        if (data == null || data.length == 0) {
          data = getOrNull(appNode);
        }
        if (data == null || data.length == 0) {
          throw new IllegalStateException("root group references app " + id + " that is not stored");
        }
        apps.put(id, (ObjectNode) JSON.readTree(data));
      }
      instanceIds.clear();
      String instances = statePath + "/instance";
      if (zk.checkExists().forPath(instances) != null) {
        for (String bucket : zk.getChildren().forPath(instances)) {
          for (String id : zk.getChildren().forPath(instances + "/" + bucket)) {
            byte[] d = getOrNull(instances + "/" + bucket + "/" + id);
            if (d != null && d.length > 0) {
              String runSpec = JSON.readTree(d).path("runSpecId").asText();
              if (apps.containsKey(runSpec)) {
                instanceIds.put(runSpec, id);
              }
            }
          }
        }
      }
      for (String id : apps.keySet()) {
        instanceIds.computeIfAbsent(id, MarathonState::newInstanceId);
      }
    }
  }

  /** The memory is lost with the process. */
  void forget() {
    synchronized (apps) {
      apps.clear();
      instanceIds.clear();
    }
  }

  // --- apps ------------------------------------------------------------------------------------------------

  int appCount() {
    synchronized (apps) {
      return apps.size();
    }
  }

  List<ObjectNode> apps() {
    synchronized (apps) {
      return new ArrayList<>(apps.values());
    }
  }

  Optional<ObjectNode> app(String id) {
    synchronized (apps) {
      return Optional.ofNullable(apps.get(id));
    }
  }

  /** Stores a new app (versioned, in the root group) with one instance; false when the id is taken. */
  boolean createApp(String id, ObjectNode app) throws Exception {
    synchronized (apps) {
      if (apps.containsKey(id)) {
        return false;
      }
    }
    String version = nextVersion();
    app.put("version", version);
    app.putObject("versionInfo").put("lastScalingAt", version).put("lastConfigChangeAt", version);
    byte[] bytes = JSON.writeValueAsBytes(app);
    String appNode = node(statePath, "apps", safeId(id));
    createOrSet(appNode, bytes);
    createWithParents(appNode + "/" + version, bytes);
    synchronized (apps) {
      apps.put(id, app);
      instanceIds.put(id, newInstanceId(id));
    }
    writeRootGroup(version);
    return true;
  }

  /** Removes an app, its versions and its instance; the root group's new version, or empty when there is no app. */
  Optional<String> deleteApp(String id) throws Exception {
    String instanceId;
    synchronized (apps) {
      if (apps.remove(id) == null) {
        return Optional.empty();
      }
      instanceId = instanceIds.remove(id);
    }
    String version = nextVersion();
    writeRootGroup(version);
    zk.delete().deletingChildrenIfNeeded().forPath(node(statePath, "apps", safeId(id)));
    if (instanceId != null) {
      try {
        zk.delete().forPath(node(statePath, "instance", instanceId));
      } catch (KeeperException.NoNodeException ignored) {
        // not written yet
      }
    }
    return Optional.of(version);
  }

  // --- instances -------------------------------------------------------------------------------------------

  /** app id → its instance's id, a copy. */
  List<Map.Entry<String, String>> instances() {
    synchronized (apps) {
      return new ArrayList<>(instanceIds.entrySet());
    }
  }

  /** Marathon keeps its instances' state current in ZooKeeper: one instance's update. */
  void writeInstance(String appId, String instanceId, String now) throws Exception {
    ObjectNode inst = JSON.createObjectNode();
    inst.put("instanceId", instanceId);
    inst.put("runSpecId", appId);
    inst.putObject("state").put("condition", "Running").put("since", now).put("goal", "Running");
    inst.putObject("agentInfo").put("host", "127.0.0.1");
    inst.put("updated", now);
    createOrSet(node(statePath, "instance", instanceId), JSON.writeValueAsBytes(inst));
  }

  private static String newInstanceId(String appId) {
    return safeId(appId) + ".marathon-" + UUID.randomUUID();
  }

  // --- nodes -----------------------------------------------------------------------------------------------

  private void writeRootGroup(String version) throws Exception {
    ObjectNode g = JSON.createObjectNode();
    g.put("id", "/");
    g.put("version", version);
    ArrayNode refs = g.putArray("apps");
    synchronized (apps) {
      for (ObjectNode app : apps.values()) {
        refs.addObject().put("id", app.path("id").asText()).put("version", app.path("version").asText());
      }
    }
    g.putArray("groups");
    g.putArray("dependencies");
    byte[] bytes = JSON.writeValueAsBytes(g);
    String root = node(statePath, "group", "root");
    createOrSet(root, bytes);
    createWithParents(root + "/" + version, bytes);
    pruneVersions(root);
  }

  private void pruneVersions(String entity) throws Exception {
    List<String> versions = new ArrayList<>(zk.getChildren().forPath(entity));
    Collections.sort(versions);
    for (int i = 0; i < versions.size() - MAX_VERSIONS; i++) {
      zk.delete().forPath(entity + "/" + versions.get(i));
    }
  }

  private String nextVersion() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    if (!now.isAfter(lastVersion)) {
      now = lastVersion.plusMillis(1);
    }
    lastVersion = now;
    return MarathonLayout.version(now);
  }

  private byte[] getOrNull(String path) throws Exception {
    try {
      return zk.getData().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  private void createOrSet(String path, byte[] data) throws Exception {
    PortableWrites.createOrSetData(zk.getZookeeperClient().getZooKeeper(), path, data, createAcl);
  }

  /** Marathon 1.5–1.11 runs Curator in its ZooKeeper 3.4 mode: plain creates, which every server knows. */
  private void createWithParents(String path, byte[] data) throws Exception {
    PortableWrites.createWithParents(zk.getZookeeperClient().getZooKeeper(), path, data, createAcl,
        CreateMode.PERSISTENT);
  }
}
