package io.dcos.backup.engine;

import io.dcos.backup.marathon.FenceOptions;
import io.dcos.backup.marathon.MarathonCredentials;
import io.dcos.backup.marathon.TlsTrust;
import io.dcos.backup.zookeeper.ZkTarget;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Where Marathon and its ZooKeeper state are, and where archives go: the cluster admin's configuration. */
public record TargetConfig(
    ZkTarget zookeeper,
    URI marathonUrl,
    MarathonCredentials marathonCredentials,
    Path backupDirectory,
    FenceOptions fence,
    Duration zkSessionTimeout,
    Duration zkConnectTimeout,
    Duration marathonRequestTimeout,
    TlsTrust marathonTrust) {

  /** Trusting the JVM's default CAs for HTTPS to Marathon. */
  public TargetConfig(ZkTarget zookeeper, URI marathonUrl, MarathonCredentials marathonCredentials,
      Path backupDirectory, FenceOptions fence, Duration zkSessionTimeout, Duration zkConnectTimeout,
      Duration marathonRequestTimeout) {
    this(zookeeper, marathonUrl, marathonCredentials, backupDirectory, fence, zkSessionTimeout, zkConnectTimeout,
        marathonRequestTimeout, TlsTrust.jvmDefault());
  }

  public static TargetConfig of(ZkTarget zookeeper, URI marathonUrl, MarathonCredentials credentials, Path backupDirectory) {
    return new TargetConfig(zookeeper, marathonUrl, credentials, backupDirectory, FenceOptions.defaults(),
        Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofSeconds(10));
  }

  public TargetConfig withZkSessionTimeout(Duration timeout) {
    return new TargetConfig(zookeeper, marathonUrl, marathonCredentials, backupDirectory, fence, timeout,
        zkConnectTimeout, marathonRequestTimeout, marathonTrust);
  }

  public TargetConfig withFence(FenceOptions fenceOptions) {
    return new TargetConfig(zookeeper, marathonUrl, marathonCredentials, backupDirectory, fenceOptions,
        zkSessionTimeout, zkConnectTimeout, marathonRequestTimeout, marathonTrust);
  }

  /** The CAs HTTPS to Marathon trusts (DC/OS: the cluster CA). */
  public TargetConfig withMarathonTrust(TlsTrust trust) {
    return new TargetConfig(zookeeper, marathonUrl, marathonCredentials, backupDirectory, fence, zkSessionTimeout,
        zkConnectTimeout, marathonRequestTimeout, trust);
  }
}
