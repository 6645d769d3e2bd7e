package io.dcos.backup.sandbox.kubeapi;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The project's generated CRDs (copied from crds/) as the operator uses them, server-side apply included. */
class GeneratedCrdsTest {
  static final ResourceDefinitionContext RESTORES = new ResourceDefinitionContext.Builder()
      .withGroup("backup.dcos.io").withVersion("v1alpha1").withKind("Restore").withPlural("restores")
      .withNamespaced(true).build();

  static EmbeddedKubeApi api;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    api = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(Path.of("src/test/resources/kubeapi/generated")), 0);
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static GenericKubernetesResource object(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion("backup.dcos.io/v1alpha1").withKind(kind)
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withAdditionalProperties(Map.of("spec", spec)).build();
  }

  @Test
  void loadsGeneratorOutputWithItsLeadingCommentDocument() {
    assertThat(EmbeddedKubeApi.loadCrds(Path.of("src/test/resources/kubeapi/generated")))
        .extracting(c -> c.getSpec().getNames().getKind()).containsExactly("Backup", "Restore");
  }

  @Test
  void celRuleWithFieldPathReportsTheField() {
    assertThatThrownBy(() -> client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS).inNamespace("default")
        .resource(object("Backup", "dots", Map.of("label", "..dots"))).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
            .isEqualTo("Backup.backup.dcos.io \"dots\" is invalid: [spec.label: Invalid value: \"..dots\": "
                + "spec.label in body should match '^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$', "
                + "spec.label: Invalid value: \"object\": label must start with two letters, digits or '_' "
                + "(not '.' or '-')]"));
  }

  /**
   * As a real API server: a missing required field blocks CEL evaluation, and one more error says the rules were not
   * checked; a failed pattern does not block it (see celRuleWithFieldPathReportsTheField).
   */
  @Test
  void aBlockingSchemaErrorSkipsTheCelRulesAndSaysSo() {
    assertThatThrownBy(() -> client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS).inNamespace("default")
        .resource(object("Backup", "nolabel", Map.of("consistency", "Online"))).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
            .isEqualTo("Backup.backup.dcos.io \"nolabel\" is invalid: [spec.label: Required value, <nil>: Invalid "
                + "value: \"null\": some validation rules were not checked because the object was invalid; correct "
                + "the existing errors to complete validation]"));
  }

  @Test
  void celRuleWithHasMacro() {
    var restores = client.genericKubernetesResources(RESTORES).inNamespace("default");
    assertThatThrownBy(() -> restores.resource(object("Restore", "neither", Map.of())).create())
        .hasMessageContaining("Restore.backup.dcos.io \"neither\" is invalid: spec: Invalid value: \"object\": "
            + "exactly one of backupId or backupName must be set");
    assertThatThrownBy(() -> restores.resource(object("Restore", "both",
        Map.of("backupId", "abc", "backupName", "nightly"))).create())
        .hasMessageContaining("exactly one of backupId or backupName must be set");
    assertThat(restores.resource(object("Restore", "one", Map.of("backupName", "nightly"))).create()
        .getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void statusIsValidatedToo() {
    var backups = client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS).inNamespace("default");
    backups.resource(object("Backup", "status-enum", Map.of("label", "status-enum"))).create();
    assertThatThrownBy(() -> backups.withName("status-enum").editStatus(b -> {
      b.setAdditionalProperty("status", Map.of("phase", "DONE"));
      return b;
    })).hasMessageContaining("status.phase: Unsupported value: \"DONE\": supported values: \"STATUS_BACKING_UP\"");
  }

  @Test
  void serverSideApplyCreatesThenPatchesSpecAndStatus() {
    var backups = client.genericKubernetesResources(EmbeddedKubeApiTest.BACKUPS).inNamespace("default");
    GenericKubernetesResource applied = backups.resource(object("Backup", "ssa", Map.of("label", "ssa-label")))
        .fieldManager("test").forceConflicts().serverSideApply();
    assertThat(applied.getMetadata().getUid()).isNotBlank();

    GenericKubernetesResource withFinalizer = object("Backup", "ssa", Map.of("label", "ssa-label"));
    withFinalizer.getMetadata().setFinalizers(List.of("backup.dcos.io/finalizer"));
    assertThat(backups.resource(withFinalizer).fieldManager("test").forceConflicts().serverSideApply()
        .getMetadata().getFinalizers()).containsExactly("backup.dcos.io/finalizer");

    GenericKubernetesResource status = object("Backup", "ssa", Map.of("label", "ssa-label"));
    status.setAdditionalProperty("status", Map.of("phase", "STATUS_READY", "id", "x1"));
    GenericKubernetesResource patched = backups.resource(status).subresource("status").patch(
        new PatchContext.Builder().withFieldManager("test").withForce(true)
            .withPatchType(PatchType.SERVER_SIDE_APPLY).build());
    assertThat(patched.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "STATUS_READY", "id",
        "x1"));
    assertThat(patched.getMetadata().getGeneration()).isEqualTo(1L);
  }
}
