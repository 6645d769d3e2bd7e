package io.dcos.backup.storage;

import io.dcos.backup.store.ArchiveStore;
import io.dcos.backup.store.S3Location;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Path;

/**
 * Uploads one archive to S3 and downloads it back verified, in a JVM of its own started with a small -Xmx by
 * {@link BoundedMemoryUploadTest}; prints the heap's peak use and the times.
 * Arguments: endpoint, access key, secret key, bucket, archive directory, id, download directory.
 */
public final class UploadChild {
  private UploadChild() {}

  public static void main(String[] args) throws Exception {
    ArchiveStore source = new ArchiveStore(Path.of(args[4]));
    String id = args[5];
    try (S3Location location = new S3Location(new S3Location.Settings("bounded", args[3], "big", "us-east-1",
        URI.create(args[0]), true, args[1], args[2], null, false, null, null))) {
      long start = System.nanoTime();
      location.upload(id, source.location(id));
      long uploaded = System.nanoTime();
      location.download(id, new ArchiveStore(Path.of(args[6])));
      long downloaded = System.nanoTime();
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("upload-ms=" + (uploaded - start) / 1_000_000 + " download-verify-ms="
          + (downloaded - uploaded) / 1_000_000 + " peak-heap-bytes=" + peak + " max-heap-bytes="
          + Runtime.getRuntime().maxMemory());
    }
  }
}
