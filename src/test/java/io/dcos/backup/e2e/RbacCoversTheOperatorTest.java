package io.dcos.backup.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.engine.ProgressListener;
import io.dcos.backup.sandbox.ApiObjects;
import io.dcos.backup.sandbox.EmbeddedWorld;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.MarathonClusterSpec;
import io.dcos.backup.dcos.TestCa;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/rbac.yaml against what the operator really sends: every request the operator makes to the API server while
 * it recovers an archive, backs up, restores, fails a restore, runs a schedule's status and deletes a backup, checked
 * against the rendered ClusterRole. (The embedded API server does not enforce RBAC; this is the check.) The embedded
 * operator runs without server-side apply; with it (the Deployment's default) JOSDK's finalizer and schedule-status
 * writes are apply patches, the same verb. Leader election's Lease (a Role in the operator's namespace) and schedule
 * retention's deletes are not exercised here.
 */
class RbacCoversTheOperatorTest {
  private static final String TEST_CLIENT = "rbac-audit-test";
  private static final Set<String> DISCOVERY = Set.of("/", "/api", "/apis", "/version");

  /** One API request as RBAC sees it. */
  record Access(String verb, String group, String resource) {
    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
    }
  }

  @Test
  void everyRequestTheOperatorMakesIsGranted() throws Exception {
    List<HasMetadata> rendered = DeployRendersTest.render();
    List<PolicyRule> rules = DeployRendersTest.only(rendered, ClusterRole.class).getRules();
    // In the operator's namespace only (Secrets and ConfigMaps that locations and clusters name).
    List<PolicyRule> namespaceRules = rendered.stream().filter(Role.class::isInstance).map(Role.class::cast)
        .flatMap(role -> role.getRules().stream()).toList();
    List<RecordedRequest> operatorRequests = new CopyOnWriteArrayList<>();
    try (EmbeddedWorld world = SharedWorld.builder(2, "rbac-audit")
        .withOperator(false)
        .start()) {
      world.kubeApi().onRequest(request -> {
        if (!TEST_CLIENT.equals(request.getHeader("User-Agent"))) {
          operatorRequests.add(request);
        }
      });
      // An archive without a Backup object: the operator recovers it at start (create, then status).
      await().atMost(Duration.ofSeconds(30)).until(() -> world.simulator().orElseThrow().leaderIndex().isPresent());
      String orphan = "orphan-" + UUID.randomUUID();
      world.service().backup(orphan, "orphan", ProgressListener.NONE);
      world.startOperator();

      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(world.kubeApi().url().toString())
          .withNamespace("default").withHttp2Disable(true).withUserAgent(TEST_CLIENT).build();
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Backup.class).inNamespace("default")
            .list().getItems().stream().anyMatch(b -> b.getStatus() != null && orphan.equals(b.getStatus().id())));

        client.resource(ApiObjects.backup("default", "audited", "audited")).create();
        ApiObjects.awaitPhase(client, Backup.class, "default", "audited", Phase.STATUS_READY);
        client.resource(ApiObjects.restore("default", "audited-restore", new RestoreSpec(null, "audited"))).create();
        ApiObjects.awaitPhase(client, Restore.class, "default", "audited-restore", Phase.STATUS_READY);
        client.resource(ApiObjects.restore("default", "of-nothing", new RestoreSpec("nosuch-7c1e5a52-2f0c-4d6e-9a51"
            + "-0d6f2c3b4a10", null))).create();
        ApiObjects.awaitPhase(client, Restore.class, "default", "of-nothing", Phase.STATUS_ERROR);
        // A second Marathon whose credentials (a token) and CA bundle are named by its MarathonCluster.
        client.resource(new SecretBuilder().withNewMetadata().withName("other-token").withNamespace("default")
            .endMetadata().addToStringData("token", "not-checked-by-the-simulator").build()).create();
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("other-ca").withNamespace("default")
            .endMetadata().addToData("ca.crt", Files.readString(TestCa.create("rbac-audit").writePem(Files.createTempFile("rbac-ca", ".pem")))).build()).create();
        MarathonCluster other = new MarathonCluster();
        other.getMetadata().setName("other");
        other.getMetadata().setNamespace("default");
        other.setSpec(new MarathonClusterSpec("zk://" + world.zookeeper().connectString() + "/marathon",
            new MarathonClusterSpec.Endpoint(world.marathonUrl().toString()),
            new MarathonClusterSpec.Credentials(null, null, new MarathonClusterSpec.SecretKeyRef("other-token",
                "token"), null), new MarathonClusterSpec.CaBundle("other-ca", null, null), null, null, null));
        client.resource(other).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          MarathonCluster seen = client.resources(MarathonCluster.class).inNamespace("default").withName("other")
              .get();
          return seen.getStatus() != null && Boolean.TRUE.equals(seen.getStatus().reachable());
        });
        Backup ofOther = ApiObjects.backup("default", "of-other", "of-other");
        ofOther.setSpec(new BackupSpec("of-other", null, null, "other"));
        client.resource(ofOther).create();
        ApiObjects.awaitPhase(client, Backup.class, "default", "of-other", Phase.STATUS_READY);
        try (InputStream in = Files.newInputStream(Path.of("examples/schedule.yaml"))) {
          BackupSchedule schedule = client.resources(BackupSchedule.class).load(in).item();
          schedule.getMetadata().setNamespace("default");
          client.resource(schedule).create();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(BackupSchedule.class)
            .inNamespace("default").withName("nightly").get().getStatus() != null);
        client.resources(Backup.class).inNamespace("default").withName("audited").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Backup.class).inNamespace("default")
            .withName("audited").get() == null);
      }
      world.stopOperator();
    }

    Set<Access> made = operatorRequests.stream().map(RbacCoversTheOperatorTest::access).flatMap(Optional::stream)
        .collect(Collectors.toCollection(() -> new TreeSet<>(java.util.Comparator.comparing(Access::toString))));
    assertThat(made).as("the audit saw the operator's writes").contains(
        new Access("patch", "backup.dcos.io", "backups"),
        new Access("create", "backup.dcos.io", "backups"),
        new Access("update", "backup.dcos.io", "backups/status"),
        new Access("update", "backup.dcos.io", "restores/status"),
        new Access("patch", "backup.dcos.io", "backupschedules/status"),
        new Access("create", "", "events"),
        new Access("watch", "backup.dcos.io", "restores"),
        new Access("create", "backup.dcos.io", "backupstoragelocations"),
        new Access("update", "backup.dcos.io", "backupstoragelocations/status"),
        new Access("create", "backup.dcos.io", "marathonclusters"),
        new Access("watch", "backup.dcos.io", "marathonclusters"),
        new Access("patch", "backup.dcos.io", "marathonclusters"),
        new Access("update", "backup.dcos.io", "marathonclusters/status"),
        new Access("get", "", "secrets"),
        new Access("get", "", "configmaps"));
    assertThat(made).as("requests the operator made (%s) that deploy/rbac.yaml does not grant", made)
        .allSatisfy(access -> assertThat(granted(rules, access) || (Set.of("secrets", "configmaps")
            .contains(access.resource()) && granted(namespaceRules, access))).as(access.toString()).isTrue());
  }

  private static boolean granted(List<PolicyRule> rules, Access access) {
    return rules.stream().anyMatch(rule -> rule.getApiGroups().contains(access.group())
        && rule.getResources().contains(access.resource()) && rule.getVerbs().contains(access.verb()));
  }

  /** The RBAC verb, group and resource of a request; empty for discovery and other non-resource URLs. */
  static Optional<Access> access(RecordedRequest request) {
    String pathAndQuery = request.getPath();
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    if (DISCOVERY.contains(path) || path.startsWith("/openapi")) {
      return Optional.empty();
    }
    List<String> s = Arrays.stream(path.split("/")).filter(part -> !part.isEmpty()).toList();
    String group;
    List<String> rest;
    if (s.get(0).equals("api") && s.size() > 2) {
      group = "";
      rest = s.subList(2, s.size());
    } else if (s.get(0).equals("apis") && s.size() > 3) {
      group = s.get(1);
      rest = s.subList(3, s.size());
    } else {
      return Optional.empty(); // /api/v1, /apis/<group>[/<version>]: discovery
    }
    if (rest.get(0).equals("namespaces") && rest.size() > 2) {
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0) + (rest.size() > 2 ? "/" + rest.get(2) : "");
    boolean named = rest.size() > 1;
    boolean watch = Arrays.asList(query.split("&")).stream().anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
    String verb = switch (request.method()) {
      case GET -> watch ? "watch" : named ? "get" : "list";
      case POST -> "create";
      case PUT -> "update";
      case PATCH -> "patch";
      case DELETE -> named ? "delete" : "deletecollection";
      default -> request.method().name().toLowerCase(java.util.Locale.ROOT);
    };
    return Optional.of(new Access(verb, group, resource));
  }
}
