package io.dcos.backup.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.SharedWorld;
import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.ArchiveWriter;
import io.dcos.backup.store.ManifestInfo;
import io.dcos.backup.zookeeper.ZNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 100 MB archive goes up in parts and comes back verified in a JVM with a 64 MB heap: an upload or a download that
 * held the archive (or a fraction of it larger than a few parts) would run out of memory. The heap pools' peaks and
 * the times are printed (s3proxy in memory, on loopback: not a network figure); the peaks count garbage not yet
 * collected, so the -Xmx the child finished in is the bound, not them.
 */
@Tag("slow")
class BoundedMemoryUploadTest {
  private static final int MB = 1024 * 1024;

  @TempDir Path tmp;

  @Test
  void aHundredMegabyteArchiveGoesUpAndComesBackInA64MegabyteHeap() throws Exception {
    EmbeddedS3 s3 = SharedWorld.s3();
    String bucket = s3.createBucket("bounded");
    ArchiveStore store = new ArchiveStore(tmp.resolve("archives"));
    String id = "big-" + UUID.randomUUID();
    byte[] data = new byte[MB];
    Random random = new Random(7);
    try (ArchiveWriter w = store.create(id)) {
      w.accept(new ZNode("", null, ZooDefs.Ids.OPEN_ACL_UNSAFE));
      for (int i = 0; i < 100; i++) {
        random.nextBytes(data);
        w.accept(new ZNode("/n" + i, data, ZooDefs.Ids.OPEN_ACL_UNSAFE));
      }
      w.commit(new ManifestInfo(id, "big", Instant.now(), List.of("zk:2181"), "/marathon", "1.10.6"));
    }
    assertThat(Files.size(store.location(id))).isGreaterThan(100L * MB);

    Path log = tmp.resolve("child.log");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        UploadChild.class.getName(), s3.endpoint().toString(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, bucket,
        store.directory().toString(), id, tmp.resolve("downloaded").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(child.waitFor(180, TimeUnit.SECONDS)).as("child finished").isTrue();
    String output = Files.readString(log);
    assertThat(child.exitValue()).as(output).isZero();
    Matcher figures = Pattern.compile("upload-ms=(\\d+) download-verify-ms=(\\d+) peak-heap-bytes=(\\d+)")
        .matcher(output);
    assertThat(figures.find()).as(output).isTrue();
    System.out.println("100 MB archive through S3 in a 64 MB heap: " + figures.group());
    assertThat(Files.mismatch(store.location(id), tmp.resolve("downloaded").resolve(id + ".tar"))).isEqualTo(-1);
    var head = s3.client().headObject(h -> h.bucket(bucket).key("big/" + id + ".tar"));
    assertThat(head.eTag()).as("uploaded in 8 MiB parts").endsWith("-13\"");
  }
}
