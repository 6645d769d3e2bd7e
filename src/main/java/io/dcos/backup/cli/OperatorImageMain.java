package io.dcos.backup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of the operator image's jar ({@code target/marathon-backup-operator-image.jar}): the operator and
 * the kubectl plugin only. That jar carries neither the sandbox, the simulator, the benchmark nor the libraries only
 * they use (the mock Kubernetes API, an in-process ZooKeeper, s3proxy), so nothing here may name them.
 */
@Command(name = "marathon-backup-operator",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Backup and Restore of Marathon's ZooKeeper state as Kubernetes objects (the operator image).",
    subcommands = {OperatorCommand.class, KubectlBackupCommand.class})
public final class OperatorImageMain implements Runnable {

  public static void main(String[] args) {
    System.exit(new CommandLine(new OperatorImageMain()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
