package io.dcos.backup.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The two forms of a credentials file the sandbox reads, and errors that never echo what was read. */
class S3CredentialsFileTest {

  @Test
  void envLinesExportedAndQuoted() throws Exception {
    S3CredentialsFile.Keys keys = S3CredentialsFile.parse(List.of("# MinIO", "export AWS_ACCESS_KEY_ID=\"minio\"",
        "AWS_SECRET_ACCESS_KEY='s3cr3t=with=equals'"), "env");
    assertThat(keys.accessKeyId()).isEqualTo("minio");
    assertThat(keys.secretAccessKey()).isEqualTo("s3cr3t=with=equals");
    assertThat(keys.toString()).doesNotContain("s3cr3t");
  }

  @Test
  void theAwsCliCredentialsFileUsesItsDefaultProfile() throws Exception {
    S3CredentialsFile.Keys keys = S3CredentialsFile.parse(List.of("[prod]", "aws_access_key_id = AKIAPROD",
        "aws_secret_access_key = prod-secret", "", "[default]", "aws_access_key_id = AKIADEFAULT",
        "aws_secret_access_key = default-secret", "region = eu-west-1"), "credentials");
    assertThat(keys).extracting(S3CredentialsFile.Keys::accessKeyId, S3CredentialsFile.Keys::secretAccessKey)
        .containsExactly("AKIADEFAULT", "default-secret");
  }

  @Test
  void aMissingKeyIsNamedAndNoValueIsEchoed() {
    assertThatThrownBy(() -> S3CredentialsFile.parse(List.of("[prod]", "aws_access_key_id = AKIAPROD",
        "aws_secret_access_key = prod-secret"), "credentials"))
        .hasMessageContaining("has no AWS_ACCESS_KEY_ID")
        .hasMessageNotContaining("AKIAPROD").hasMessageNotContaining("prod-secret");
  }
}
