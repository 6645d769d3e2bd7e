package io.dcos.backup.cli;

import io.dcos.backup.engine.BackupLabels;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl backup}: the DC/OS CLI's {@code dcos backup} verbs over Backup and Restore objects, for users who
 * know the DC/OS commands. A kubectl plugin ({@code target/kubectl-backup} on PATH) or
 * {@code java -jar marathon-backup-operator.jar kubectl-backup …}. Talks to the cluster of the current kubeconfig
 * (KUBECONFIG, {@code --kubeconfig}, {@code --context}) in the context's namespace or {@code -n}.
 */
@Command(name = "kubectl-backup",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {"The DC/OS `dcos backup` commands for Marathon, over Backup and Restore objects.",
        "Backup IDs (<label>-<uuid>) are what `list` shows; a Backup's object name works too."},
    subcommands = {KubectlBackupCommand.Create.class, KubectlBackupCommand.ListBackups.class,
        KubectlBackupCommand.Show.class, KubectlBackupCommand.Delete.class, KubectlBackupCommand.RestoreBackup.class,
        KubectlBackupCommand.Clusters.class})
public final class KubectlBackupCommand implements Runnable {

  @Spec
  CommandLine.Model.CommandSpec spec;

  /** Cluster options, accepted before or after the verb (`kubectl backup -n ns list` and `… list -n ns`). */
  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
  String kubeconfig;

  @Option(names = "--context", scope = ScopeType.INHERIT, description = "kubeconfig context (default: the current one).")
  String context;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT,
      description = "Namespace (default: the context's, else \"default\").")
  String namespace;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Connects, runs one verb and closes; any failure is one line {@code error: …} on stderr and exit code 1. */
  int run(CommandLine.Model.CommandSpec verb, Function<BackupCli, Integer> body, Runnable... checks) {
    PrintWriter err = verb.commandLine().getErr();
    try {
      for (Runnable check : checks) {
        check.run();
      }
      try (BackupCli cli = BackupCli.connect(kubeconfig, context, namespace, verb.commandLine().getOut(), err)) {
        return body.apply(cli);
      }
    } catch (RuntimeException e) {
      verb.commandLine().getOut().flush();
      err.println("error: " + BackupCli.describe(e));
      err.flush();
      return 1;
    } finally {
      verb.commandLine().getOut().flush();
    }
  }

  /** Runs the plugin with the given streams; the exit code is 0 on success, 1 on any error (one line on err). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine line = commandLine();
    line.setOut(out);
    line.setErr(err);
    return line.execute(args);
  }

  static CommandLine commandLine() {
    return new CommandLine(new KubectlBackupCommand());
  }

  @Command(name = "create", description = "Creates a backup: a Backup object with this label (as `dcos backup create`).",
      mixinStandardHelpOptions = true)
  static final class Create implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Option(names = "--label", required = true,
        description = "3-25 characters of [A-Za-z0-9_.-], not starting with \"..\".")
    String label;

    @Option(names = "--cluster", paramLabel = "NAME",
        description = "The MarathonCluster (Marathon) to back up (default: default).")
    String cluster;

    @Option(names = "--wait", description = "Show progress until the backup is STATUS_READY (exit 0) or STATUS_ERROR (exit 1).")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "15m",
        description = "How long --wait waits (e.g. 90s, 15m; default ${DEFAULT-VALUE}).")
    String timeout;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, cli -> cli.create(label, cluster, wait, BackupCli.parseDuration(timeout)), () -> {
        Optional<String> problem = BackupLabels.validate(label);
        if (problem.isPresent()) {
          throw new BackupCli.UserError("invalid label: " + problem.get());
        }
      });
    }
  }

  @Command(name = "list", description = "Lists backups: BACKUP ID, VERSION, STATUS, TIMESTAMP (as `dcos backup list`).",
      mixinStandardHelpOptions = true)
  static final class ListBackups implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only backups whose ID (label) starts with this.")
    String prefix;

    @Option(names = "--json", description = "The DC/OS backup records as a JSON array.")
    boolean json;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Only the backups of this MarathonCluster.")
    String cluster;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, cli -> cli.list(prefix, cluster, json));
    }
  }

  @Command(name = "show", description = "Shows a backup as the DC/OS JSON record, restores included (as `dcos backup show`).",
      mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Parameters(paramLabel = "BACKUP-ID")
    String id;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, cli -> cli.show(id));
    }
  }

  @Command(name = "delete", description = "Deletes a backup: its Backup object, whose finalizer deletes the archive.",
      mixinStandardHelpOptions = true)
  static final class Delete implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Parameters(paramLabel = "BACKUP-ID")
    String id;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, cli -> cli.delete(id));
    }
  }

  @Command(name = "restore", description = "Restores Marathon's state from a backup: a Restore object (as `dcos backup restore`).",
      mixinStandardHelpOptions = true)
  static final class RestoreBackup implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Parameters(paramLabel = "BACKUP-ID")
    String id;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Restore into this MarathonCluster (default: the one "
        + "the backup was taken from; another is a migration, refused across Marathon storage versions).")
    String cluster;

    @Option(names = "--wait", description = "Show progress until the restore is STATUS_READY (exit 0) or STATUS_ERROR (exit 1).")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "15m",
        description = "How long --wait waits (e.g. 90s, 15m; default ${DEFAULT-VALUE}).")
    String timeout;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, cli -> cli.restore(id, cluster, wait, BackupCli.parseDuration(timeout)));
    }
  }

  @Command(name = "clusters", description = "Lists the MarathonClusters (the Marathons the operator backs up) with "
      + "their last check: version, leader, Ready.", mixinStandardHelpOptions = true)
  static final class Clusters implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return parent.run(spec, BackupCli::clusters);
    }
  }
}
