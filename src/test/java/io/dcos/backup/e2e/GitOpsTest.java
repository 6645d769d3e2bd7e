package io.dcos.backup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.Restore;
import io.dcos.backup.sandbox.OnSharedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Argo CD and Flux do to a Backup — apply the same manifest again and again — changes nothing and starts
 * nothing; the operator writes only status and its finalizer, never spec, labels or annotations.
 */
class GitOpsTest extends OnSharedWorld {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FINALIZER = "backups.backup.dcos.io/finalizer";

  @TempDir
  Path dir;

  private static final String MANIFEST = String.join("\n",
      "apiVersion: backup.dcos.io/v1alpha1",
      "kind: Backup",
      "metadata:",
      "  name: pre-upgrade",
      "  labels:",
      "    app.kubernetes.io/part-of: marathon",
      "    upgrade: v1-11",
      "  annotations:",
      "    example.com/ticket: OPS-1234",
      "spec:",
      "  label: pre-upgrade-1-11",
      "");

  @Test
  void applyingTheSameBackupAgainChangesNothingAndStartsNothing() throws Exception {
    String ns = SharedWorld.namespace("gitops");
    Kubectl kubectl = Kubectl.of(Kubectl.defaultBinary(), world.writeKubeconfig(dir.resolve("kubeconfig"), ns), dir);
    Path manifest = Files.writeString(dir.resolve("backup.yaml"), MANIFEST);

    assertThat(kubectl.ok("apply", "-f", manifest.toString())).isEqualTo("backup.backup.dcos.io/pre-upgrade created\n");
    kubectl.ok("wait", "--for=condition=Ready", "backup/pre-upgrade", "--timeout=120s");
    Backup ready = client.resources(Backup.class).inNamespace(ns).withName("pre-upgrade").get();
    List<String> archivesBefore = archives();

    // An Argo CD sync (client-side apply) of the unchanged manifest: the object is not even written.
    assertThat(kubectl.ok("apply", "-f", manifest.toString())).isEqualTo("backup.backup.dcos.io/pre-upgrade unchanged\n");
    assertThat(kubectl.run("diff", "-f", manifest.toString()).exitCode()).as("kubectl diff: in sync").isZero();
    Backup resynced = client.resources(Backup.class).inNamespace(ns).withName("pre-upgrade").get();
    assertThat(resynced.getMetadata().getResourceVersion()).isEqualTo(ready.getMetadata().getResourceVersion());
    // A Flux sync (server-side apply under its own field manager; a real server records the manager in
    // managedFields, which may bump resourceVersion but never generation).
    assertThat(kubectl.ok("apply", "--server-side", "--field-manager=kustomize-controller", "-f",
        manifest.toString())).isEqualTo("backup.backup.dcos.io/pre-upgrade serverside-applied\n");
    // Give the operator every chance to react to the syncs before looking.
    Thread.sleep(3000);

    Backup after = client.resources(Backup.class).inNamespace(ns).withName("pre-upgrade").get();
    assertThat(after.getMetadata().getGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(after.getSpec()).isEqualTo(ready.getSpec());
    assertThat(after.getStatus()).as("no new run: same ID, times, archive digest").isEqualTo(ready.getStatus());
    assertThat(archives()).as("no new archive").isEqualTo(archivesBefore);
  }

  @Test
  void theOperatorWritesOnlyStatusAndItsFinalizer() throws Exception {
    String ns = SharedWorld.namespace("owner");
    Kubectl kubectl = Kubectl.of(Kubectl.defaultBinary(), world.writeKubeconfig(dir.resolve("kubeconfig"), ns), dir);
    Path manifest = Files.writeString(dir.resolve("backup.yaml"), MANIFEST);
    Path restoreManifest = Files.writeString(dir.resolve("restore.yaml"), String.join("\n",
        "apiVersion: backup.dcos.io/v1alpha1", "kind: Restore", "metadata:", "  name: rollback",
        "  labels:", "    upgrade: v1-11", "  annotations:", "    example.com/ticket: OPS-1234",
        "spec:", "  backupName: pre-upgrade", ""));
    VersionLog<Backup> backups = new VersionLog<>();
    VersionLog<Restore> restores = new VersionLog<>();
    try (Watch b = client.resources(Backup.class).inNamespace(ns).watch(backups);
         Watch r = client.resources(Restore.class).inNamespace(ns).watch(restores)) {
      kubectl.ok("apply", "-f", manifest.toString());
      kubectl.ok("wait", "--for=condition=Ready", "backup/pre-upgrade", "--timeout=120s");
      kubectl.ok("apply", "-f", restoreManifest.toString());
      kubectl.ok("wait", "--for=condition=Ready", "restore/rollback", "--timeout=120s");
      // The Backup's status.restores follows the Restore: let that last status write land.
      Thread.sleep(1500);
    }

    assertOnlyStatusAndFinalizerChanged(backups.versions, List.of(FINALIZER));
    assertOnlyStatusAndFinalizerChanged(restores.versions, List.of());
    JsonNode last = backups.versions.get(backups.versions.size() - 1);
    assertThat(last.path("metadata").path("labels"))
        .isEqualTo(JSON.valueToTree(Map.of("app.kubernetes.io/part-of", "marathon", "upgrade", "v1-11")));
    assertThat(last.path("metadata").path("annotations").path("example.com/ticket").asText()).isEqualTo("OPS-1234");
    assertThat(last.path("spec")).isEqualTo(JSON.valueToTree(Map.of("label", "pre-upgrade-1-11")));
  }

  @Test
  void theGitOpsExamplesAreBackupsTheClusterAccepts() throws Exception {
    String ns = SharedWorld.namespace("examples");
    Kubectl kubectl = Kubectl.of(Kubectl.defaultBinary(), world.writeKubeconfig(dir.resolve("kubeconfig"), ns), dir);
    // Argo CD creates hooks (generateName needs create, not apply); Flux applies.
    assertThat(kubectl.ok("create", "-f", "examples/gitops/argocd-presync-backup.yaml"))
        .matches("backup.backup.dcos.io/before-sync-[a-z0-9]{5} created\n");
    assertThat(kubectl.ok("apply", "-f", "examples/gitops/flux/backup.yaml"))
        .isEqualTo("backup.backup.dcos.io/before-marathon-1-11 created\n");
    kubectl.ok("wait", "--for=condition=Ready", "backups", "--all", "--timeout=120s");
    assertThat(kubectl.ok("get", "backups", "-o", "jsonpath={.items[*].status.phase}"))
        .isEqualTo("STATUS_READY STATUS_READY");
  }

  /**
   * Between the first version the watch saw (what kubectl created) and every later one, only status, the finalizers
   * (at most the operator's own) and resourceVersion may differ.
   */
  private static void assertOnlyStatusAndFinalizerChanged(List<JsonNode> versions, List<String> allowedFinalizers) {
    assertThat(versions).as("the watch saw the object change").hasSizeGreaterThan(1);
    JsonNode first = userOwned(versions.get(0));
    for (JsonNode version : versions) {
      assertThat(userOwned(version)).as("spec, labels, annotations, generation of version %s",
          version.path("metadata").path("resourceVersion").asText()).isEqualTo(first);
      List<String> finalizers = new ArrayList<>();
      version.path("metadata").path("finalizers").forEach(f -> finalizers.add(f.asText()));
      assertThat(finalizers).isSubsetOf(allowedFinalizers);
    }
  }

  /** The object minus what the operator may write (status, finalizers) and what the server bumps. */
  private static JsonNode userOwned(JsonNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove("status");
    ObjectNode metadata = (ObjectNode) copy.path("metadata");
    metadata.remove(List.of("resourceVersion", "finalizers", "managedFields"));
    return copy;
  }

  private List<String> archives() throws Exception {
    try (Stream<Path> files = Files.list(world.backupDirectory())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Every version of the objects a watch delivers, as JSON. */
  private static final class VersionLog<T extends HasMetadata> implements Watcher<T> {
    final List<JsonNode> versions = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void eventReceived(Action action, T resource) {
      if (action != Action.DELETED) {
        versions.add(JSON.valueToTree(Serialization.jsonMapper().valueToTree(resource)));
      }
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
