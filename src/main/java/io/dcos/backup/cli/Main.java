package io.dcos.backup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** java -jar marathon-backup-operator.jar {operator|sandbox|...} */
@Command(name = "marathon-backup-operator",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Backup and Restore of Marathon's ZooKeeper state as Kubernetes objects.",
    subcommands = {OperatorCommand.class, SandboxCommand.class, KubectlBackupCommand.class,
        io.dcos.backup.bench.BenchCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
