package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dcos.backup.sandbox.EmbeddedS3;
import io.dcos.backup.sandbox.SharedWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * `sandbox --storage s3`: the demo's backup goes to a bucket (the sandbox's own S3 server, or a given one) and its
 * restore comes back from it; nothing of the backup stays in the backup directory; bad storage options are refused
 * before anything starts.
 */
class SandboxS3Test {

  @Test
  void theDemoRunsThroughTheEmbeddedS3Server(@TempDir Path dir) throws Exception {
    Path backups = dir.resolve("backups");
    CommandRun run = CommandRun.of("sandbox", "--once", "--storage", "s3", "--kubeconfig",
        dir.resolve("kubeconfig").toString(), "--backup-dir", backups.toString(), "--timeout", "120");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("on an S3 server in this process")
        .contains("BackupStorageLocation sandbox-s3 (s3://marathon-backups-")
        .containsPattern("archive before-upgrade-[0-9a-f-]+ is in s3://marathon-backups-[0-9a-f]+/sandbox/ and not in")
        .containsPattern("object s3://marathon-backups-[0-9a-f]+/sandbox/before-upgrade-[0-9a-f-]+\\.tar: \\d+ znodes")
        .contains("Restore restore-before-upgrade reaches STATUS_READY")
        .contains("app /demo/api is back in Marathon");
    assertThat(localArchives(backups)).as("the restore's safety snapshot stays local; the backup does not")
        .anyMatch(name -> name.startsWith("pre-restore-"))
        .noneMatch(name -> name.startsWith("before-upgrade-"));
  }

  /** A user's bucket (here the tests' S3 server, reached as any store would be) with keys from a credentials file. */
  @Test
  void theDemoRunsThroughAGivenBucketWithKeysFromACredentialsFile(@TempDir Path dir) throws Exception {
    EmbeddedS3 s3 = SharedWorld.s3();
    String bucket = s3.createBucket("sandbox-given");
    Path credentials = dir.resolve("credentials");
    Files.writeString(credentials, "[other]\naws_access_key_id = nope\n\n[default]\naws_access_key_id = "
        + EmbeddedS3.ACCESS_KEY + "\naws_secret_access_key = " + EmbeddedS3.SECRET_KEY + "\n");
    Path backups = dir.resolve("backups");
    CommandRun run = CommandRun.of("sandbox", "--once", "--storage", "s3", "--s3-endpoint", s3.endpoint().toString(),
        "--s3-bucket", bucket, "--s3-path-style", "--s3-credentials", credentials.toString(),
        "--kubeconfig", dir.resolve("kubeconfig").toString(), "--backup-dir", backups.toString(), "--timeout", "120");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("Restore restore-before-upgrade reaches STATUS_READY")
        .contains("app /demo/api is back in Marathon");
    assertThat(run.out() + run.err()).as("the secret key is never printed").doesNotContain(EmbeddedS3.SECRET_KEY);
    List<String> keys = s3.client().listObjectsV2(l -> l.bucket(bucket)).contents().stream().map(S3Object::key)
        .toList();
    assertThat(keys).as("every archive of the demo is in the bucket").allMatch(k -> k.startsWith("marathon-sandbox/"));
    assertThat(keys).as("the backup's archive is in the bucket").filteredOn(k -> k.contains("before-upgrade-"))
        .singleElement().asString().matches("marathon-sandbox/before-upgrade-[0-9a-f-]+\\.tar");
    assertThat(localArchives(backups)).noneMatch(name -> name.startsWith("before-upgrade-"));
  }

  @Test
  void badStorageOptionsAreRefusedInOneLine(@TempDir Path dir) throws Exception {
    Path keysWithoutSecret = dir.resolve("half");
    Files.writeString(keysWithoutSecret, "export AWS_ACCESS_KEY_ID=AKIAVISIBLE\n");
    refused(dir, "--s3-bucket applies to --storage s3 only", "--s3-bucket", "b");
    refused(dir, "--storage must be filesystem or s3, not 'tape'", "--storage", "tape");
    refused(dir, "--s3-endpoint describes a real bucket: give --s3-bucket NAME too", "--storage", "s3",
        "--s3-endpoint", "https://minio.example:9000");
    refused(dir, "--s3-bucket needs --s3-credentials FILE", "--storage", "s3", "--s3-bucket", "b");
    refused(dir, "--s3-credentials: credentials file " + dir.resolve("missing") + " does not exist", "--storage",
        "s3", "--s3-bucket", "b", "--s3-credentials", dir.resolve("missing").toString());
    String half = refused(dir, "--s3-credentials: credentials file " + keysWithoutSecret
        + " has no AWS_SECRET_ACCESS_KEY", "--storage", "s3", "--s3-bucket", "b", "--s3-credentials",
        keysWithoutSecret.toString());
    assertThat(half).as("nothing read from the file is echoed").doesNotContain("AKIAVISIBLE");
    refused(dir, "--s3-endpoint wants http(s)://host[:port]", "--storage", "s3", "--s3-bucket", "b",
        "--s3-credentials", keysWithoutSecret.toString(), "--s3-endpoint", "minio:9000");
  }

  private static String refused(Path dir, String expected, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of("sandbox", "--once", "--kubeconfig",
        dir.resolve("kubeconfig").toString(), "--backup-dir", dir.resolve("backups").toString()));
    args.addAll(List.of(options));
    CommandRun run = CommandRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(SandboxCommand.USAGE_ERROR);
    assertThat(run.commandErr().lines().toList()).as(run.toString()).singleElement().asString()
        .startsWith("sandbox: " + expected);
    assertThat(run.out()).as("nothing was started").doesNotContain("ZooKeeper:", "kubeconfig:");
    assertThat(dir.resolve("kubeconfig")).doesNotExist();
    return run.err();
  }

  private static List<String> localArchives(Path backups) throws Exception {
    try (Stream<Path> files = Files.list(backups)) {
      return files.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".tar")).toList();
    }
  }
}
