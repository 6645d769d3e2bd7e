package io.dcos.backup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `kubectl kustomize deploy/` renders what a cluster admin applies, with the safety settings in place; so does the
 * DC/OS Enterprise overlay, with the service account and the cluster CA wired to the files the operator reads.
 */
class DeployRendersTest {

  /** The objects `kubectl kustomize deploy/` renders. */
  static List<HasMetadata> render() throws IOException, InterruptedException {
    return render("deploy/");
  }

  /** The objects `kubectl kustomize <directory>` renders. */
  static List<HasMetadata> render(String directory) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("kubectl", "kustomize", directory).redirectErrorStream(true).start();
    String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(rendered).isZero();
    assertThat(rendered).as("credentials are never rendered: the Secret is the admin's").doesNotContain("kind: Secret");
    return Serialization.unmarshal(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)));
  }

  static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    return type.cast(objects.stream().filter(type::isInstance).findFirst().orElseThrow());
  }

  @Test
  void deployRendersAHardenedOperator() throws Exception {
    List<HasMetadata> objects = render();
    assertThat(objects).extracting(HasMetadata::getKind).contains("CustomResourceDefinition", "Namespace",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap",
        "PersistentVolumeClaim", "Deployment");
    assertThat(objects.stream().filter(o -> o.getKind().equals("CustomResourceDefinition"))
        .map(o -> o.getMetadata().getName()))
        .containsExactlyInAnyOrder("backups.backup.dcos.io", "restores.backup.dcos.io",
            "backupschedules.backup.dcos.io", "backupstoragelocations.backup.dcos.io",
            "marathonclusters.backup.dcos.io");

    Deployment deployment = only(objects, Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    var container = pod.getContainers().get(0);
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getResources().getLimits()).containsKey("memory");
    assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim()).isNotNull());
    assertThat(container.getEnvFrom()).anySatisfy(source -> {
      assertThat(source.getSecretRef()).isNotNull();
      assertThat(source.getSecretRef().getName()).isEqualTo("marathon-backup-credentials");
      assertThat(source.getSecretRef().getOptional()).isTrue();
    });

    ClusterRole role = only(objects, ClusterRole.class);
    assertThat(role.getRules()).as("least privilege: no wildcards, no secrets")
        .allSatisfy(rule -> {
          assertThat(rule.getVerbs()).doesNotContain("*");
          assertThat(rule.getResources()).doesNotContain("*", "secrets");
        });
    assertThat(role.getRules()).as("a deleted Backup's archive is kept when its namespace is being deleted: the "
        + "operator reads the Namespace to tell").anySatisfy(rule -> {
          assertThat(rule.getApiGroups()).containsExactly("");
          assertThat(rule.getResources()).containsExactly("namespaces");
          assertThat(rule.getVerbs()).containsExactly("get");
        });
  }

  /** Archives stay 0600 in a 0700 directory the operator creates itself, and the kubelet leaves them alone. */
  @Test
  void archivesLiveInASubdirectoryOfTheVolumeThatTheKubeletDoesNotRechmod() throws Exception {
    List<HasMetadata> objects = render();
    var pod = only(objects, Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getFsGroup()).isNotNull();
    assertThat(pod.getSecurityContext().getFsGroupChangePolicy()).isEqualTo("OnRootMismatch");

    String archivesVolume = pod.getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null)
        .findFirst().orElseThrow().getName();
    Path mount = Path.of(pod.getContainers().get(0).getVolumeMounts().stream()
        .filter(m -> m.getName().equals(archivesVolume)).findFirst().orElseThrow().getMountPath());
    Path backupDir = Path.of(only(objects, ConfigMap.class).getData().get("BACKUP_DIR")).normalize();
    assertThat(backupDir).as("BACKUP_DIR strictly below the volume's mount " + mount)
        .startsWithRaw(mount).isNotEqualTo(mount);
  }

  /** A ReadWriteOnce volume is mounted by one node: one replica, never two pods at once. */
  @Test
  void aReadWriteOnceVolumeMeansOneReplicaAndRecreate() throws Exception {
    List<HasMetadata> objects = render();
    PersistentVolumeClaim claim = only(objects, PersistentVolumeClaim.class);
    Deployment deployment = only(objects, Deployment.class);
    if (!claim.getSpec().getAccessModes().contains("ReadWriteMany")) {
      assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
      assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    }
  }

  /** A graceful stop waits for the running operation: Kubernetes must not SIGKILL the pod before that wait ends. */
  @Test
  void podsGetLongerToStopThanTheOperatorWaitsForARunningOperation() throws Exception {
    Deployment deployment = only(render(), Deployment.class);
    assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .isGreaterThan(io.dcos.backup.operator.OperatorRuntime.SHUTDOWN_GRACE.toSeconds());
  }

  /** What the operator writes (RbacCoversTheOperatorTest records it): nothing more is granted. */
  @Test
  void rbacGrantsNoWritesTheOperatorDoesNotMake() throws Exception {
    List<PolicyRule> rules = only(render(), ClusterRole.class).getRules();
    assertThat(verbs(rules, "restores")).as("Restores are only read, through informers")
        .containsExactlyInAnyOrder("list", "watch");
    assertThat(verbs(rules, "restores/status")).as("status is written by PUT with resourceVersion")
        .containsExactly("update");
    assertThat(verbs(rules, "restores/finalizers")).as("Restores have no finalizer and own nothing").isEmpty();
    assertThat(verbs(rules, "backups")).as("finalizer by patch; schedules and recovery create and delete")
        .containsExactlyInAnyOrder("get", "list", "watch", "patch", "create", "delete");
    assertThat(verbs(rules, "backups/status")).containsExactly("update");
    assertThat(verbs(rules, "backups/finalizers")).as("no object names a Backup as owner").isEmpty();
    assertThat(verbs(rules, "events")).as("Events are created once, never patched").containsExactly("create");
    assertThat(verbs(rules, "backupstoragelocations")).as("read from the API; only the default one is created")
        .containsExactlyInAnyOrder("get", "list", "watch", "create");
    assertThat(verbs(rules, "backupstoragelocations/status")).containsExactly("update");
    assertThat(verbs(rules, "marathonclusters")).as("read; only the default one is created; finalizer by patch")
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "patch");
    assertThat(verbs(rules, "marathonclusters/status")).containsExactly("update");
  }

  /** S3 credentials are read from the Secrets locations name, in the operator's namespace only: a Role, get only. */
  @Test
  void secretsAreReadOnlyInTheOperatorsNamespace() throws Exception {
    List<Role> roles = render().stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
    List<PolicyRule> secretRules = roles.stream().flatMap(r -> r.getRules().stream())
        .filter(rule -> rule.getResources().contains("secrets")).toList();
    assertThat(secretRules).singleElement().satisfies(rule -> {
      assertThat(rule.getVerbs()).containsExactly("get");
      assertThat(rule.getResourceNames()).isNullOrEmpty();
    });
  }

  @Test
  void theDcosEnterpriseOverlayMountsTheServiceAccountAndTheCaWhereTheSettingsPointAndKeepsTheRest()
      throws Exception {
    List<HasMetadata> base = render();
    List<HasMetadata> objects = render("deploy/overlays/dcos-enterprise/");
    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrderElementsOf(
        base.stream().map(HasMetadata::getKind).toList());

    Map<String, String> settings = only(objects, ConfigMap.class).getData();
    URI marathon = URI.create(settings.get("MARATHON_URL"));
    assertThat(marathon.getScheme()).isEqualTo("https");
    assertThat(marathon.getPath()).as("Marathon through Admin Router").isEqualTo("/service/marathon");
    assertThat(settings).as("the service account replaces a static token").doesNotContainKey("MARATHON_TOKEN")
        .containsKeys("MARATHON_ZK", "BACKUP_DIR");

    var pod = only(objects, Deployment.class).getSpec().getTemplate().getSpec();
    var basePod = only(base, Deployment.class).getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    var baseContainer = basePod.getContainers().get(0);
    assertThat(container.getSecurityContext()).isEqualTo(baseContainer.getSecurityContext());
    assertThat(pod.getSecurityContext()).isEqualTo(basePod.getSecurityContext());
    assertThat(container.getEnvFrom()).isEqualTo(baseContainer.getEnvFrom());
    assertThat(container.getVolumeMounts()).containsAll(baseContainer.getVolumeMounts());

    Volume credential = volumeHolding(pod, container, Path.of(settings.get("MARATHON_SERVICE_ACCOUNT_FILE")));
    assertThat(credential.getSecret()).as("the credential JSON comes from a Secret").isNotNull();
    assertThat(credential.getSecret().getSecretName()).isEqualTo("marathon-backup-service-account");
    assertThat(credential.getSecret().getDefaultMode()).as("0440: the operator's group (fsGroup) reads it, no one else")
        .isEqualTo(0440);
    Volume ca = volumeHolding(pod, container, Path.of(settings.get("MARATHON_CA_FILE")));
    assertThat(ca.getConfigMap()).as("dcos-ca.crt is public: a ConfigMap").isNotNull();
    assertThat(ca.getConfigMap().getName()).isEqualTo("dcos-ca");
    assertThat(ca.getConfigMap().getItems()).singleElement().satisfies(item ->
        assertThat(item.getKey()).isEqualTo("dcos-ca.crt"));
  }

  /** The volume that puts {@code file} into the container: mounted read-only at its directory, with it as an item. */
  private static Volume volumeHolding(PodSpec pod, Container container, Path file) {
    VolumeMount mount = container.getVolumeMounts().stream()
        .filter(m -> Path.of(m.getMountPath()).equals(file.getParent())).findFirst()
        .orElseThrow(() -> new AssertionError("nothing is mounted at " + file.getParent()));
    assertThat(mount.getReadOnly()).as(mount.getName() + " read-only").isTrue();
    Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
        .orElseThrow();
    List<KeyToPath> items = volume.getSecret() != null ? volume.getSecret().getItems()
        : volume.getConfigMap().getItems();
    assertThat(items).extracting(KeyToPath::getPath).contains(file.getFileName().toString());
    return volume;
  }

  /** Every verb the ClusterRole grants on {@code resource} (any rule naming it). */
  static Set<String> verbs(List<PolicyRule> rules, String resource) {
    Set<String> verbs = new TreeSet<>();
    rules.stream().filter(rule -> rule.getResources().contains(resource)).forEach(rule -> verbs.addAll(rule.getVerbs()));
    return verbs;
  }
}
