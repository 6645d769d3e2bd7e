package io.dcos.backup.sandbox.kubeapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The embedded API as the operator (Fabric8 client) and raw HTTP clients see it. */
class EmbeddedKubeApiTest {
  static final Path CRDS = Path.of("src/test/resources/kubeapi");
  static final ResourceDefinitionContext BACKUPS = new ResourceDefinitionContext.Builder()
      .withGroup("backup.dcos.io").withVersion("v1alpha1").withKind("Backup").withPlural("backups")
      .withNamespaced(true).build();

  static EmbeddedKubeApi api;
  static KubernetesClient client;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    api = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(CRDS), 0);
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static GenericKubernetesResource backup(String name, String label) {
    return new GenericKubernetesResourceBuilder().withApiVersion("backup.dcos.io/v1alpha1").withKind("Backup")
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("label", label))).build();
  }

  static HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(api.url().resolve(path)).timeout(Duration.ofSeconds(10));
    if (accept != null) {
      request.header("Accept", accept);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void clientIsSharedUntilItsUserClosesIt() {
    KubernetesClient first = api.client();
    assertThat(api.client()).isSameAs(first);
    first.close();
    KubernetesClient next = api.client();
    assertThat(next).isNotSameAs(first);
    assertThat(next.namespaces().withName("default").get()).isNotNull();
    client = next;
  }

  @Test
  void loadsCrdsFromADirectory() {
    assertThat(EmbeddedKubeApi.loadCrds(CRDS)).extracting(c -> c.getMetadata().getName())
        .containsExactly("backups.backup.dcos.io");
  }

  @Test
  void discoveryListsTheCrdKindWithItsStatusSubresource() {
    APIResourceList resources = client.getApiResources("backup.dcos.io/v1alpha1");
    APIResource backups = resources.getResources().stream().filter(r -> r.getName().equals("backups")).findFirst()
        .orElseThrow();
    assertThat(backups.getKind()).isEqualTo("Backup");
    assertThat(backups.getNamespaced()).isTrue();
    assertThat(backups.getShortNames()).containsExactly("bk");
    assertThat(backups.getCategories()).containsExactly("dcos");
    assertThat(backups.getVerbs()).contains("get", "list", "watch", "create", "update", "patch", "delete");
    assertThat(resources.getResources()).extracting(APIResource::getName).contains("backups/status");
    assertThat(client.getApiResources("coordination.k8s.io/v1").getResources()).extracting(APIResource::getName)
        .contains("leases");
    assertThat(client.getApiResources("v1").getResources()).extracting(APIResource::getName)
        .contains("namespaces", "events", "secrets", "configmaps");
    assertThat(client.getApiGroups().getGroups()).extracting(g -> g.getName())
        .contains("backup.dcos.io", "apiextensions.k8s.io", "coordination.k8s.io", "events.k8s.io");
  }

  @Test
  void discoveryWithKubectlsTimeoutParameterAnswersDiscoveryNotAList() throws Exception {
    JsonNode groups = Json.parse(get("/apis?timeout=32s",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json").body());
    assertThat(groups.path("kind").asText()).isEqualTo("APIGroupList");
    HttpResponse<String> resources = get("/apis/backup.dcos.io/v1alpha1?timeout=32s", null);
    assertThat(resources.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(Json.parse(resources.body()).path("kind").asText()).isEqualTo("APIResourceList");
    assertThat(Json.parse(get("/api?timeout=32s", null).body()).path("versions").get(0).asText()).isEqualTo("v1");
    assertThat(Json.parse(get("/version?timeout=32s", null).body()).path("gitVersion").asText()).startsWith("v1.");
  }

  @Test
  void openApiV3DescribesTheCrdAndAdvertisesServerSideFieldValidation() throws Exception {
    JsonNode index = Json.parse(get("/openapi/v3", null).body());
    String url = index.path("paths").path("apis/backup.dcos.io/v1alpha1").path("serverRelativeURL").asText();
    assertThat(url).startsWith("/openapi/v3/apis/backup.dcos.io/v1alpha1?hash=");
    JsonNode doc = Json.parse(get(url, null).body());
    JsonNode schema = doc.path("components").path("schemas").path("io.dcos.backup.v1alpha1.Backup");
    assertThat(schema.path("properties").path("spec").path("properties").path("label").path("pattern").asText())
        .isEqualTo("^[A-Za-z0-9_.-]{3,25}$");
    JsonNode patch = doc.path("paths").path("/apis/backup.dcos.io/v1alpha1/namespaces/{namespace}/backups/{name}")
        .path("patch");
    assertThat(patch.path("x-kubernetes-group-version-kind").path("kind").asText()).isEqualTo("Backup");
    assertThat(patch.path("parameters").findValuesAsText("name")).contains("fieldValidation");
  }

  @Test
  void tableResponseUsesThePrinterColumns() throws Exception {
    client.genericKubernetesResources(BACKUPS).inNamespace("default").resource(backup("table", "table-label"))
        .create();
    JsonNode table = Json.parse(get("/apis/backup.dcos.io/v1alpha1/namespaces/default/backups",
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
            + "application/json").body());
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("columnDefinitions").findValuesAsText("name"))
        .containsExactly("Name", "ID", "Label", "Status", "Znodes", "Age");
    assertThat(table.path("columnDefinitions").get(4).path("priority").asInt()).isEqualTo(1);
    JsonNode row = null;
    for (JsonNode r : table.path("rows")) {
      if (r.path("cells").get(0).asText().equals("table")) {
        row = r;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.path("cells").get(2).asText()).isEqualTo("table-label");
    assertThat(row.path("cells").get(1).isNull()).isTrue();
    assertThat(row.path("cells").get(5).asText()).matches("\\d+s");
    assertThat(row.path("object").path("metadata").path("name").asText()).isEqualTo("table");
  }

  @Test
  void plainJsonListsAreTypedLists() throws Exception {
    JsonNode list = Json.parse(get("/apis/backup.dcos.io/v1alpha1/namespaces/default/backups", null).body());
    assertThat(list.path("kind").asText()).isEqualTo("BackupList");
    assertThat(list.path("apiVersion").asText()).isEqualTo("backup.dcos.io/v1alpha1");
  }

  @Test
  void schemaViolationIsA422WithTheApiServersMessage() {
    assertThatThrownBy(() -> client.genericKubernetesResources(BACKUPS).inNamespace("default")
        .resource(backup("short", "a")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).isEqualTo("Backup.backup.dcos.io \"short\" is invalid: spec.label: "
              + "Invalid value: \"a\": spec.label in body should match '^[A-Za-z0-9_.-]{3,25}$'");
          assertThat(e.getStatus().getDetails().getCauses().get(0).getField()).isEqualTo("spec.label");
        });
  }

  @Test
  void missingRequiredFieldTypesEnumsAndBoundsAreReported() {
    GenericKubernetesResource bad = new GenericKubernetesResourceBuilder()
        .withApiVersion("backup.dcos.io/v1alpha1").withKind("Backup")
        .withNewMetadata().withName("many").endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("retries", 11, "mode", "sometimes"))).build();
    assertThatThrownBy(() -> client.genericKubernetesResources(BACKUPS).inNamespace("default").resource(bad).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).startsWith("Backup.backup.dcos.io \"many\" is invalid: [")
              .contains("spec.label: Required value")
              .contains("spec.retries: Invalid value: 11: spec.retries in body should be less than or equal to 10")
              .contains("spec.mode: Unsupported value: \"sometimes\": supported values: \"full\", \"incremental\"");
        });
    GenericKubernetesResource wrongType = new GenericKubernetesResourceBuilder()
        .withApiVersion("backup.dcos.io/v1alpha1").withKind("Backup")
        .withNewMetadata().withName("typed").endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("label", "typed", "retries", "three"))).build();
    assertThatThrownBy(() -> client.genericKubernetesResources(BACKUPS).inNamespace("default").resource(wrongType)
        .create())
        .hasMessageContaining("spec.retries: Invalid value: \"string\": spec.retries in body must be of type "
            + "integer: \"string\"");
  }

  @Test
  void objectNamesMustBeDnsSubdomains() {
    assertThatThrownBy(() -> client.genericKubernetesResources(BACKUPS).inNamespace("default")
        .resource(backup("Bad_Name", "label")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
            .startsWith("Backup.backup.dcos.io \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": "
                + "a lowercase RFC 1123 subdomain must consist of"));
  }

  @Test
  void crdsCreatedThroughTheApiAreServedAtOnce() {
    var crd = EmbeddedKubeApi.loadCrds(CRDS).get(0);
    crd.getMetadata().setName("widgets.example.io");
    crd.getSpec().setGroup("example.io");
    crd.getSpec().getNames().setKind("Widget");
    crd.getSpec().getNames().setPlural("widgets");
    crd.getSpec().getNames().setSingular("widget");
    crd.getSpec().getNames().setShortNames(List.of());
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    assertThat(client.getApiResources("example.io/v1alpha1").getResources()).extracting(APIResource::getName)
        .contains("widgets");
    var widgets = client.genericKubernetesResources(new ResourceDefinitionContext.Builder().withGroup("example.io")
        .withVersion("v1alpha1").withKind("Widget").withPlural("widgets").withNamespaced(true).build());
    GenericKubernetesResource widget = backup("w", "x");
    widget.setApiVersion("example.io/v1alpha1");
    widget.setKind("Widget");
    assertThatThrownBy(() -> widgets.inNamespace("default").resource(widget).create())
        .hasMessageContaining("Widget.example.io \"w\" is invalid: spec.label");
  }

  @Test
  void celRuleRejectsWithItsMessage() {
    assertThatThrownBy(() -> client.genericKubernetesResources(BACKUPS).inNamespace("default")
        .resource(backup("dots", "..hidden")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
            .isEqualTo("Backup.backup.dcos.io \"dots\" is invalid: spec: Invalid value: \"object\": "
                + "label must not start with '..'"));
  }

  @Test
  void transitionRuleAppliesOnUpdateOnly() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    backups.resource(backup("immutable", "first")).create();
    assertThatThrownBy(() -> backups.withName("immutable").edit(b -> {
      b.setAdditionalProperty("spec", Map.of("label", "second"));
      return b;
    })).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
        .isEqualTo("Backup.backup.dcos.io \"immutable\" is invalid: spec: Invalid value: \"object\": "
            + "spec is immutable"));
    // Metadata changes pass the rule: spec is unchanged.
    GenericKubernetesResource labelled = backups.withName("immutable").edit(b -> {
      b.getMetadata().setLabels(Map.of("team", "a"));
      return b;
    });
    assertThat(labelled.getMetadata().getLabels()).containsEntry("team", "a");
  }

  @Test
  void unknownFieldsArePrunedUnlessPreserved() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    GenericKubernetesResource b = backup("pruned", "pruned");
    b.setAdditionalProperty("spec", Map.of("label", "pruned", "bogus", 1, "extra", Map.of("kept", true)));
    GenericKubernetesResource created = backups.resource(b).create();
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
    assertThat(spec).doesNotContainKey("bogus").containsEntry("extra", Map.of("kept", true));
  }

  @Test
  void statusSubresourceAndGenerationSemantics() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    GenericKubernetesResource withStatus = backup("status", "status");
    withStatus.setAdditionalProperty("status", Map.of("phase", "IGNORED"));
    GenericKubernetesResource created = backups.resource(withStatus).create();
    assertThat(created.getAdditionalProperties()).doesNotContainKey("status");
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

    GenericKubernetesResource statusSet = backups.withName("status").editStatus(b -> {
      b.setAdditionalProperty("status", Map.of("phase", "STATUS_READY", "znodes", 3));
      b.setAdditionalProperty("spec", Map.of("label", "ignored-by-status"));
      return b;
    });
    assertThat(statusSet.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "STATUS_READY",
        "znodes", 3));
    assertThat(statusSet.getAdditionalProperties().get("spec")).isEqualTo(Map.of("label", "status"));
    assertThat(statusSet.getMetadata().getGeneration()).isEqualTo(1L);

    // Writing status through the main resource is ignored; a metadata-only change keeps the generation.
    GenericKubernetesResource mainEdit = backups.withName("status").edit(b -> {
      b.setAdditionalProperty("status", Map.of("phase", "OVERWRITTEN"));
      b.getMetadata().setAnnotations(Map.of("a", "b"));
      return b;
    });
    assertThat(mainEdit.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "STATUS_READY",
        "znodes", 3));
    assertThat(mainEdit.getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void deleteWaitsForFinalizers() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    GenericKubernetesResource b = backup("finalized", "finalized");
    b.getMetadata().setFinalizers(List.of("backup.dcos.io/cleanup"));
    backups.resource(b).create();
    backups.withName("finalized").delete();
    GenericKubernetesResource marked = backups.withName("finalized").get();
    assertThat(marked).isNotNull();
    assertThat(marked.getMetadata().getDeletionTimestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    backups.withName("finalized").edit(r -> {
      r.getMetadata().setFinalizers(List.of());
      return r;
    });
    assertThat(backups.withName("finalized").get()).isNull();
  }

  @Test
  void eventsAreFoundByInvolvedObjectFieldSelector() {
    client.v1().events().inNamespace("default").resource(new EventBuilder()
        .withNewMetadata().withName("evt-a").endMetadata()
        .withNewInvolvedObject().withKind("Backup").withName("a").withNamespace("default").withUid("uid-a")
        .endInvolvedObject().withReason("Started").withMessage("for a").build()).create();
    client.v1().events().inNamespace("default").resource(new EventBuilder()
        .withNewMetadata().withName("evt-b").endMetadata()
        .withNewInvolvedObject().withKind("Backup").withName("b").withNamespace("default").withUid("uid-b")
        .endInvolvedObject().withReason("Started").withMessage("for b").build()).create();
    var found = client.v1().events().inNamespace("default")
        .withField("involvedObject.name", "a").withField("involvedObject.kind", "Backup")
        .withField("involvedObject.uid", "uid-a").list().getItems();
    assertThat(found).extracting(e -> e.getMetadata().getName()).containsExactly("evt-a");
  }

  @Test
  void eventsWrittenThroughEventsApiAreListedByCoreApiAndBack() {
    client.events().v1().events().inNamespace("default").resource(
        new io.fabric8.kubernetes.api.model.events.v1.EventBuilder()
            .withNewMetadata().withName("evt-new-api").endMetadata()
            .withNewRegarding().withKind("Backup").withName("c").withNamespace("default").withUid("uid-c")
            .endRegarding()
            .withReason("Completed").withNote("via events.k8s.io").withType("Normal").withAction("Backup")
            .withReportingController("marathon-backup-operator").withReportingInstance("pod-a")
            .withEventTime(new io.fabric8.kubernetes.api.model.MicroTime("2026-01-01T00:00:00.000000Z")).build())
        .create();
    var core = client.v1().events().inNamespace("default").withField("involvedObject.uid", "uid-c").list()
        .getItems();
    assertThat(core).hasSize(1);
    assertThat(core.get(0).getMessage()).isEqualTo("via events.k8s.io");
    assertThat(core.get(0).getInvolvedObject().getName()).isEqualTo("c");
    assertThat(core.get(0).getSource().getComponent()).isEqualTo("marathon-backup-operator");

    client.v1().events().inNamespace("default").resource(new EventBuilder()
        .withNewMetadata().withName("evt-old-api").endMetadata()
        .withNewInvolvedObject().withKind("Backup").withName("d").withNamespace("default").withUid("uid-d")
        .endInvolvedObject().withReason("Started").withMessage("via core").build()).create();
    var viaNewApi = client.events().v1().events().inNamespace("default").withField("regarding.uid", "uid-d")
        .list().getItems();
    assertThat(viaNewApi).extracting(e -> e.getNote()).containsExactly("via core");
  }

  @Test
  void informersSeeAddsModificationsAndDeletes() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    List<String> seen = new CopyOnWriteArrayList<>();
    try (var watch = backups.watch(new Watcher<GenericKubernetesResource>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource resource) {
        if (resource.getMetadata().getName().equals("watched")) {
          seen.add(action.name());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      backups.resource(backup("watched", "watched")).create();
      backups.withName("watched").editStatus(b -> {
        b.setAdditionalProperty("status", Map.of("phase", "STATUS_READY"));
        return b;
      });
      backups.withName("watched").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("DELETED"));
      assertThat(seen).containsExactly("ADDED", "MODIFIED", "DELETED");
    }
  }

  @Test
  void sharedInformersListThenFollowChanges() {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    backups.resource(backup("before-informer", "before")).create();
    List<String> seen = new CopyOnWriteArrayList<>();
    var informer = backups.inform(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource obj) {
        seen.add("add " + obj.getMetadata().getName());
      }

      @Override
      public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
        if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
          seen.add("update " + newObj.getMetadata().getName());
        }
      }

      @Override
      public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
        seen.add("delete " + obj.getMetadata().getName());
      }
    });
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("add before-informer"));
      backups.resource(backup("after-informer", "after")).create();
      backups.withName("after-informer").editStatus(b -> {
        b.setAdditionalProperty("status", Map.of("phase", "STATUS_READY"));
        return b;
      });
      backups.withName("after-informer").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("delete after-informer"));
      assertThat(seen).containsSubsequence("add after-informer", "update after-informer", "delete after-informer");
      assertThat(informer.getStore().getByKey("default/before-informer")).isNotNull();
    } finally {
      informer.close();
    }
  }

  @Test
  void leasesWorkForLeaderElection() {
    var lease = client.leases().inNamespace("default").resource(new LeaseBuilder().withNewMetadata()
        .withName("operator-leader").endMetadata().withNewSpec().withHolderIdentity("pod-a")
        .withLeaseDurationSeconds(15).endSpec().build()).create();
    assertThat(lease.getMetadata().getResourceVersion()).isNotBlank();
    var taken = client.leases().inNamespace("default").withName("operator-leader").edit(l -> {
      l.getSpec().setHolderIdentity("pod-b");
      return l;
    });
    assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("pod-b");
  }

  @Test
  void notFoundNamesTheResource() throws Exception {
    HttpResponse<String> response = get("/apis/backup.dcos.io/v1alpha1/namespaces/default/backups/nope", null);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(Json.parse(response.body()).path("message").asText())
        .isEqualTo("backups.backup.dcos.io \"nope\" not found");
  }

  @Test
  void kubeconfigPointsAtThisServer() throws Exception {
    Path file = api.writeKubeconfig(Path.of("target/kubeapi-test/kubeconfig"), "team-a");
    String text = java.nio.file.Files.readString(file);
    assertThat(text).contains("server: " + api.url()).contains("namespace: team-a")
        .contains("current-context: sandbox");
    assertThat(client.namespaces().withName("team-a").get()).isNotNull();
    assertThat(URI.create(api.url().toString()).getHost()).isEqualTo("127.0.0.1");
  }

  /**
   * Backup and safety-snapshot IDs are derived from UIDs, so two fresh sandboxes must not hand out the same ones
   * (the mock numbers them 1, 2, 3 … from a counter in every JVM). Within one JVM the counter alone would already
   * differ between instances; that the UIDs are random version 4 UUIDs is what catches it here, and the child JVMs
   * below — two fresh processes — are the reviewer's two sandbox runs.
   */
  @Test
  void objectsInSeparateInstancesGetDifferentRandomUids() throws Exception {
    List<String> uids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      try (EmbeddedKubeApi separate = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(CRDS), 0)) {
        uids.add(createdUid(separate));
      }
    }
    assertThat(uids.get(0)).isNotEqualTo(uids.get(1));
    assertThat(uids).allSatisfy(EmbeddedKubeApiTest::assertRandomUuid);
  }

  @Test
  void twoFreshProcessesHandOutDifferentUids() throws Exception {
    List<String> uids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(javaBinary, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          UidOfAFreshApi.class.getName()).redirectErrorStream(true).start();
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
      assertThat(child.exitValue()).as(output).isZero();
      String uid = output.lines().filter(line -> line.startsWith("uid=")).map(line -> line.substring(4))
          .findFirst().orElseThrow(() -> new AssertionError("no uid line in: " + output));
      uids.add(uid);
    }
    assertThat(uids.get(0)).as("the same object created first thing in two fresh processes")
        .isNotEqualTo(uids.get(1));
    assertThat(uids).allSatisfy(EmbeddedKubeApiTest::assertRandomUuid);
  }

  @Test
  void theCreatedUidIsTheStoredOneEverywhere() {
    GenericKubernetesResource created = client.genericKubernetesResources(BACKUPS).inNamespace("default")
        .resource(backup("uid-everywhere", "uid-everywhere")).create();
    String uid = created.getMetadata().getUid();
    assertRandomUuid(uid);
    assertThat(client.genericKubernetesResources(BACKUPS).inNamespace("default").withName("uid-everywhere").get()
        .getMetadata().getUid()).isEqualTo(uid);
    assertThat(client.genericKubernetesResources(BACKUPS).inNamespace("default").list().getItems())
        .filteredOn(b -> b.getMetadata().getName().equals("uid-everywhere"))
        .singleElement().satisfies(b -> assertThat(b.getMetadata().getUid()).isEqualTo(uid));
    GenericKubernetesResource edited = client.genericKubernetesResources(BACKUPS).inNamespace("default")
        .withName("uid-everywhere").edit(b -> {
          b.getMetadata().setLabels(Map.of("edited", "yes"));
          return b;
        });
    assertThat(edited.getMetadata().getUid()).as("an update keeps the UID").isEqualTo(uid);
  }

  private static String createdUid(EmbeddedKubeApi target) {
    return target.client().genericKubernetesResources(BACKUPS).inNamespace("default")
        .resource(backup("before-upgrade", "before-upgrade")).create().getMetadata().getUid();
  }

  private static void assertRandomUuid(String uid) {
    UUID parsed = UUID.fromString(uid);
    assertThat(parsed.version()).as("version of UID " + uid).isEqualTo(4);
    assertThat(parsed.variant()).as("variant of UID " + uid).isEqualTo(2);
  }

  /** Run in a child JVM: a fresh API, one Backup, its UID on stdout. */
  static final class UidOfAFreshApi {
    public static void main(String[] args) throws Exception {
      try (EmbeddedKubeApi fresh = EmbeddedKubeApi.start(EmbeddedKubeApi.loadCrds(CRDS), 0)) {
        System.out.println("uid=" + createdUid(fresh));
      }
      System.exit(0);
    }
  }

  /**
   * `kubectl delete` waits with a GET and then a watch from the GET's resourceVersion; a deletion completed in
   * between must still reach that watch, as a real API server's watch cache delivers it.
   */
  @Test
  void aWatchResumedFromAVersionHearsOfADeletionBeforeIt() throws Exception {
    var backups = client.genericKubernetesResources(BACKUPS).inNamespace("default");
    backups.resource(backup("gone-before-watch", "gone-before-watch")).create();
    String version = backups.withName("gone-before-watch").get().getMetadata().getResourceVersion();
    backups.withName("gone-before-watch").delete();
    assertThat(backups.withName("gone-before-watch").get()).isNull();

    HttpResponse<String> watch = get("/apis/backup.dcos.io/v1alpha1/namespaces/default/backups?watch=true"
        + "&fieldSelector=metadata.name%3Dgone-before-watch&resourceVersion=" + version + "&timeoutSeconds=1", null);
    assertThat(watch.statusCode()).isEqualTo(200);
    List<JsonNode> events = watch.body().lines().map(Json::parse).toList();
    assertThat(events).as(watch.body()).singleElement().satisfies(event -> {
      assertThat(event.path("type").asText()).isEqualTo("DELETED");
      assertThat(event.path("object").path("metadata").path("name").asText()).isEqualTo("gone-before-watch");
      assertThat(Long.parseLong(event.path("object").path("metadata").path("resourceVersion").asText()))
          .isGreaterThan(Long.parseLong(version));
    });

    HttpResponse<String> later = get("/apis/backup.dcos.io/v1alpha1/namespaces/default/backups?watch=true"
        + "&fieldSelector=metadata.name%3Dgone-before-watch&resourceVersion="
        + events.get(0).path("object").path("metadata").path("resourceVersion").asText() + "&timeoutSeconds=1", null);
    assertThat(later.body()).as("a watch from after the deletion has nothing to hear").isBlank();
  }
}
