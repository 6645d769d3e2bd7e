package io.dcos.backup.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dcos.backup.api.BackupStorageLocation;
import io.dcos.backup.api.BackupStorageLocationSpec;
import io.dcos.backup.api.BackupStorageLocationSpec.AccessMode;
import io.dcos.backup.api.BackupStorageLocationSpec.CredentialsSecret;
import io.dcos.backup.api.BackupStorageLocationSpec.Provider;
import io.dcos.backup.api.BackupStorageLocationSpec.SecretKeyRef;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makes a bucket the sandbox's default storage location, as a cluster admin would: a Secret with the keys (and one
 * with the CA bundle, if any), and an s3 BackupStorageLocation marked default. Created before the operator starts,
 * so that the operator finds a location and does not create its own default on the backup directory.
 */
public final class SandboxStorage {
  public static final String LOCATION = "sandbox-s3";
  static final String CREDENTIALS_SECRET = "sandbox-s3-credentials";
  static final String CA_SECRET = "sandbox-s3-ca";
  private static final String CA_KEY = "ca.crt";

  private SandboxStorage() {}

  /** @return the location's name */
  public static String makeDefault(KubernetesClient client, String namespace, SandboxBucket bucket) {
    apply(client, secret(namespace, CREDENTIALS_SECRET, Map.of("AWS_ACCESS_KEY_ID", bucket.accessKeyId(),
        "AWS_SECRET_ACCESS_KEY", bucket.secretAccessKey())));
    SecretKeyRef ca = null;
    if (bucket.caBundlePem() != null) {
      apply(client, secret(namespace, CA_SECRET, Map.of(CA_KEY, bucket.caBundlePem())));
      ca = new SecretKeyRef(CA_SECRET, CA_KEY);
    }
    BackupStorageLocation location = new BackupStorageLocation();
    location.getMetadata().setName(LOCATION);
    location.getMetadata().setNamespace(namespace);
    location.setSpec(new BackupStorageLocationSpec(Provider.s3, true, AccessMode.ReadWrite, null,
        new BackupStorageLocationSpec.S3(bucket.bucket(), bucket.prefix(), bucket.region(),
            bucket.endpoint() == null ? null : bucket.endpoint().toString(), bucket.pathStyle(),
            new CredentialsSecret(CREDENTIALS_SECRET, null, null), ca, null, null)));
    client.resource(location).inNamespace(namespace).createOr(NonDeletingOperation::update);
    return LOCATION;
  }

  private static Secret secret(String namespace, String name, Map<String, String> data) {
    Map<String, String> encoded = new TreeMap<>();
    data.forEach((key, value) -> encoded.put(key, Base64.getEncoder().encodeToString(value.getBytes(UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withData(encoded).build();
  }

  private static void apply(KubernetesClient client, Secret secret) {
    client.resource(secret).inNamespace(secret.getMetadata().getNamespace()).createOr(NonDeletingOperation::update);
  }
}
