package io.dcos.backup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** `kubectl kustomize deploy/` renders what a cluster admin applies, with the safety settings in place. */
class DeployRendersTest {

  @Test
  void deployRendersAHardenedOperator() throws Exception {
    Process process = new ProcessBuilder("kubectl", "kustomize", "deploy/").redirectErrorStream(true).start();
    String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(rendered).isZero();

    List<HasMetadata> objects = Serialization.unmarshal(
        new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)));
    assertThat(objects).extracting(HasMetadata::getKind).contains("CustomResourceDefinition", "Namespace",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap",
        "PersistentVolumeClaim", "Deployment");
    assertThat(objects.stream().filter(o -> o.getKind().equals("CustomResourceDefinition"))
        .map(o -> o.getMetadata().getName()))
        .containsExactlyInAnyOrder("backups.backup.dcos.io", "restores.backup.dcos.io",
            "backupschedules.backup.dcos.io");
    assertThat(rendered).as("credentials are never rendered: the Secret is the admin's").doesNotContain("kind: Secret");

    Deployment deployment = (Deployment) objects.stream().filter(Deployment.class::isInstance).findFirst().orElseThrow();
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

    ClusterRole role = (ClusterRole) objects.stream().filter(ClusterRole.class::isInstance).findFirst().orElseThrow();
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
}
