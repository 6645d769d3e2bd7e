package io.dcos.backup.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dcos.backup.simulator.MarathonLayout;
import io.dcos.backup.zookeeper.ZNode;
import io.dcos.backup.zookeeper.ZNodeIterator;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * A deterministic Marathon-shaped {@code <zk>/state} tree (MarathonLayout: {@code <category>/<bucket>/<id>[/<version>]})
 * as a stream of nodes, parents before children, so any size can be written or compared without holding it.
 *
 * <p>Node data comes from a small pool of pre-generated buffers per kind (pseudo-random bytes, a different buffer for
 * neighbouring nodes), so generating the stream costs next to nothing and the raw-write baseline measures ZooKeeper,
 * not the generator. ACLs are DC/OS strict mode's: {@code CREATOR_ALL} of Marathon's digest user on every node, plus
 * world READ on the root.
 */
final class MarathonTree {
  static final String DIGEST_USER = "dcos_marathon:bench-secret";

  enum Scale {
    //          apps, versions, instances, group versions, deployments, task failure versions, pods, pod versions,
    //          big nodes, big node bytes
    SMALL(100, 5, 500, 10, 10, 2, 10, 3, 0, 0),
    MEDIUM(2_000, 20, 30_000, 50, 500, 8, 200, 20, 0, 0),
    LARGE(5_000, 30, 75_000, 50, 1_000, 10, 500, 20, 0, 0),
    /** ~1 GB: 1,000 pods of ~1 MB (below Marathon's 1,024,000-byte node limit) plus the medium tree. */
    HUGE(2_000, 20, 30_000, 50, 500, 8, 1_000, 0, 1_000, 1_000_000);

    final int apps;
    final int appVersions;
    final int instances;
    final int groupVersions;
    final int deployments;
    final int taskFailureVersions;
    final int pods;
    final int podVersions;
    final int bigNodes;
    final int bigNodeBytes;

    Scale(int apps, int appVersions, int instances, int groupVersions, int deployments, int taskFailureVersions,
        int pods, int podVersions, int bigNodes, int bigNodeBytes) {
      this.apps = apps;
      this.appVersions = appVersions;
      this.instances = instances;
      this.groupVersions = groupVersions;
      this.deployments = deployments;
      this.taskFailureVersions = taskFailureVersions;
      this.pods = pods;
      this.podVersions = podVersions;
      this.bigNodes = bigNodes;
      this.bigNodeBytes = bigNodeBytes;
    }

    String description() {
      return String.format(Locale.ROOT, "%,d apps x %d versions, %,d instances, %d root-group versions (%,d B each), "
              + "%,d deployments, task failures x %d, %,d pods x %d%s", apps, appVersions, instances, groupVersions,
          rootGroupBytes(apps), deployments, taskFailureVersions, pods, podVersions,
          bigNodes == 0 ? "" : String.format(Locale.ROOT, ", %,d pods of %,d B", bigNodes, bigNodeBytes));
    }
  }

  /** A real root group lists every app with its version: ~35 bytes per app (~70 KB at 2,000 apps). */
  static int rootGroupBytes(int apps) {
    return 256 + 35 * apps;
  }

  private static final int POOL = 61;
  private final Scale scale;
  private final List<ACL> own;
  private final List<ACL> rootAcl;
  private final byte[][] appData;
  private final byte[][] podData;
  private final byte[][] instanceData;
  private final byte[][] deploymentData;
  private final byte[][] failureData;
  private final byte[][] groupData;
  private final byte[][] bigData;
  private final Instant epoch = Instant.parse("2024-01-01T00:00:00Z");

  MarathonTree(Scale scale) {
    this.scale = scale;
    ACL creator;
    try {
      creator = new ACL(ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest(DIGEST_USER)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    own = List.of(creator);
    rootAcl = List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE), creator);
    SplittableRandom random = new SplittableRandom(42);
    appData = pool(random, 900, 1_600);
    podData = pool(random, 1_500, 2_500);
    instanceData = pool(random, 450, 700);
    deploymentData = pool(random, 1_500, 3_000);
    failureData = pool(random, 200, 400);
    groupData = pool(random, rootGroupBytes(scale.apps), rootGroupBytes(scale.apps) + 1);
    bigData = scale.bigNodes == 0 ? new byte[0][] : pool(random, 3, scale.bigNodeBytes - 64, scale.bigNodeBytes);
  }

  Scale scale() {
    return scale;
  }

  private static byte[][] pool(SplittableRandom random, int min, int max) {
    return pool(random, POOL, min, max);
  }

  /** Printable pseudo-random bytes, like the JSON and protobuf text Marathon stores, not trivially compressible. */
  private static byte[][] pool(SplittableRandom random, int count, int min, int max) {
    byte[][] pool = new byte[count][];
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[min + random.nextInt(Math.max(1, max - min))];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) (' ' + random.nextInt(95));
      }
      pool[i] = b;
    }
    return pool;
  }

  private static byte[] pick(byte[][] pool, long n) {
    return pool[(int) Math.floorMod(n * 7919, pool.length)];
  }

  private String version(long n) {
    return MarathonLayout.version(epoch.plusSeconds(n * 37));
  }

  private static String appId(int i) {
    return "/prod/team-" + (i % 40) + "/service-" + i;
  }

  private static String uuid(long n) {
    SplittableRandom r = new SplittableRandom(n * 1_000_003L + 17);
    return new java.util.UUID(r.nextLong(), r.nextLong()).toString();
  }

  /** One entity: its id, current data, and its version children (each a data buffer). */
  private record Entity(String id, byte[] data, int versions, byte[][] versionPool, long seed) {}

  private record Category(String name, List<Entity> entities) {}

  /** Entities per category; ids are small, so even the large tree's list is a few MB. */
  private List<Category> categories() {
    List<Category> categories = new ArrayList<>();
    List<Entity> apps = new ArrayList<>();
    for (int i = 0; i < scale.apps; i++) {
      apps.add(new Entity(MarathonLayout.safeId(appId(i)), pick(appData, i), scale.appVersions, appData, i));
    }
    categories.add(new Category("apps", apps));
    List<Entity> pods = new ArrayList<>();
    for (int i = 0; i < scale.pods; i++) {
      byte[] data = i < scale.bigNodes ? pick(bigData, i) : pick(podData, i);
      pods.add(new Entity(MarathonLayout.safeId("/prod/pods/pod-" + i), data, scale.podVersions, podData, i + 7));
    }
    categories.add(new Category("pods", pods));
    categories.add(new Category("group", List.of(new Entity("root", groupData[0], scale.groupVersions, groupData, 3))));
    List<Entity> instances = new ArrayList<>();
    for (int i = 0; i < scale.instances; i++) {
      String app = MarathonLayout.safeId(appId(i % Math.max(1, scale.apps)));
      instances.add(new Entity(app + ".marathon-" + uuid(i), pick(instanceData, i), 0, null, i));
    }
    categories.add(new Category("instance", instances));
    List<Entity> deployments = new ArrayList<>();
    for (int i = 0; i < scale.deployments; i++) {
      deployments.add(new Entity(uuid(1_000_000L + i), pick(deploymentData, i), 0, null, i));
    }
    categories.add(new Category("deployment", deployments));
    List<Entity> failures = new ArrayList<>();
    for (int i = 0; i < scale.apps; i++) {
      failures.add(new Entity(MarathonLayout.safeId(appId(i)), pick(failureData, i), scale.taskFailureVersions,
          failureData, i + 11));
    }
    categories.add(new Category("taskFailures", failures));
    categories.add(new Category("framework-id", List.of(new Entity("id",
        ("{\"value\":\"" + uuid(99) + "-0000\"}").getBytes(UTF_8), 0, null, 0))));
    categories.add(new Category("runtime-configuration", List.of(new Entity("id",
        "{\"backup\":null,\"restore\":null}".getBytes(UTF_8), 0, null, 0))));
    return categories;
  }

  /** The tree's nodes, relative to the state root ({@code ""} first), parents before children. */
  Iterator<ZNode> nodes() {
    List<ZNode> head = List.of(
        new ZNode("", null, rootAcl),
        new ZNode("/internal:storage:version", new byte[] {8, 1, 16, 10, 24, 17, 34, 17, 80, 69, 82, 83}, own));
    List<Category> categories = categories();
    return new ZNodeIterator() {
      private int headIndex;
      private int category = -1;
      private int bucket = 16;
      private List<Entity> bucketEntities = List.of();
      private int entity;
      private int version = -1; // -1: the entity node itself is next
      @Override
      protected ZNode advance() {
        if (headIndex < head.size()) {
          return head.get(headIndex++);
        }
        while (true) {
          if (entity < bucketEntities.size()) {
            Entity e = bucketEntities.get(entity);
            String base = "/" + categories.get(category).name() + "/" + Integer.toHexString(bucket) + "/" + e.id();
            if (version < 0) {
              version = 0;
              return new ZNode(base, e.data(), own);
            }
            if (version < e.versions()) {
              int v = version++;
              return new ZNode(base + "/" + version(e.seed() * 100 + v), pick(e.versionPool(), e.seed() * 31 + v),
                  own);
            }
            entity++;
            version = -1;
            continue;
          }
          if (bucket < 15) {
            bucket++;
            String b = Integer.toHexString(bucket);
            bucketEntities = categories.get(category).entities().stream()
                .filter(x -> MarathonLayout.bucket(x.id()).equals(b)).toList();
            entity = 0;
            version = -1;
            if (bucketEntities.isEmpty()) {
              continue; // Marathon creates a bucket only when an entity lands in it
            }
            return new ZNode("/" + categories.get(category).name() + "/" + b, null, own);
          }
          if (category + 1 >= categories.size()) {
            return null;
          }
          category++;
          bucket = -1;
          bucketEntities = List.of();
          return new ZNode("/" + categories.get(category).name(), null, own);
        }
      }
    };
  }

  /** Node count and data bytes of the stream (one cheap pass). */
  long[] measure() {
    long count = 0;
    long bytes = 0;
    for (Iterator<ZNode> it = nodes(); it.hasNext(); ) {
      ZNode n = it.next();
      count++;
      bytes += n.data() == null ? 0 : n.data().length;
    }
    return new long[] {count, bytes};
  }
}
