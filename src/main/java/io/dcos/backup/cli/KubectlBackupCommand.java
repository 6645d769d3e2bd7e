package io.dcos.backup.cli;

import io.dcos.backup.engine.BackupLabels;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Option(names = "--context", scope = ScopeType.INHERIT,
      description = "kubeconfig context (default: the current one).")
  String context;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT,
      description = "Namespace (default: the context's, else \"default\").")
  String namespace;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
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

  /** One verb: connects, runs and closes; any failure is one line {@code error: …} on stderr and exit code 1. */
  abstract static class Verb implements Callable<Integer> {
    @CommandLine.ParentCommand
    KubectlBackupCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** What the verb refuses of its arguments before it connects, as a {@link UserError}. */
    void check() {
    }

    abstract int run(BackupCli cli);

    @Override
    public final Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        check();
        try (BackupCli cli = BackupCli.connect(parent.kubeconfig, parent.context, parent.namespace, out, err)) {
          return run(cli);
        }
      } catch (RuntimeException e) {
        out.flush();
        err.println("error: " + UserError.describe(e));
        err.flush();
        return 1;
      } finally {
        out.flush();
      }
    }
  }

  /** How long --wait waits, as kubectl writes durations. */
  static final class WaitTimeout {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Option(names = "--timeout", defaultValue = "15m",
        description = "How long --wait waits (e.g. 90s, 15m; default ${DEFAULT-VALUE}).")
    String timeout;

    Duration duration() {
      return parse(timeout);
    }

    /** kubectl-style durations: {@code 90s}, {@code 15m}, {@code 1h}, or plain seconds. */
    static Duration parse(String text) {
      Matcher m = DURATION.matcher(text == null ? "" : text.trim());
      if (!m.matches()) {
        throw new UserError("invalid duration \"" + text + "\" (use e.g. 90s, 15m, 1h)");
      }
      long value = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(value);
        case "m" -> Duration.ofMinutes(value);
        case "h" -> Duration.ofHours(value);
        default -> Duration.ofSeconds(value);
      };
    }
  }

  @Command(name = "create", description = "Creates a backup: a Backup object with this label (as `dcos backup "
      + "create`).", mixinStandardHelpOptions = true)
  static final class Create extends Verb {
    @Option(names = "--label", required = true,
        description = "3-25 characters of [A-Za-z0-9_.-], not starting with \"..\".")
    String label;

    @Option(names = "--cluster", paramLabel = "NAME",
        description = "The MarathonCluster (Marathon) to back up (default: default).")
    String cluster;

    @Option(names = "--wait",
        description = "Show progress until the backup is STATUS_READY (exit 0) or STATUS_ERROR (exit 1).")
    boolean wait;

    @Mixin
    WaitTimeout timeout;

    @Override
    void check() {
      Optional<String> problem = BackupLabels.validate(label);
      if (problem.isPresent()) {
        throw new UserError("invalid label: " + problem.get());
      }
    }

    @Override
    int run(BackupCli cli) {
      return cli.create(label, cluster, wait, timeout.duration());
    }
  }

  @Command(name = "list", description = "Lists backups: BACKUP ID, VERSION, STATUS, TIMESTAMP (as `dcos backup list`).",
      mixinStandardHelpOptions = true)
  static final class ListBackups extends Verb {
    @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only backups whose ID (label) starts with this.")
    String prefix;

    @Option(names = "--json", description = "The DC/OS backup records as a JSON array.")
    boolean json;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Only the backups of this MarathonCluster.")
    String cluster;

    @Override
    int run(BackupCli cli) {
      return cli.list(prefix, cluster, json);
    }
  }

  /** A verb on one backup, named by its ID (or its object name). */
  abstract static class BackupVerb extends Verb {
    @Parameters(paramLabel = "BACKUP-ID")
    String id;
  }

  @Command(name = "show", description = "Shows a backup as the DC/OS JSON record, restores included (as `dcos backup "
      + "show`).", mixinStandardHelpOptions = true)
  static final class Show extends BackupVerb {
    @Override
    int run(BackupCli cli) {
      return cli.show(id);
    }
  }

  @Command(name = "delete", description = "Deletes a backup: its Backup object, whose finalizer deletes the archive.",
      mixinStandardHelpOptions = true)
  static final class Delete extends BackupVerb {
    @Override
    int run(BackupCli cli) {
      return cli.delete(id);
    }
  }

  @Command(name = "restore", description = "Restores Marathon's state from a backup: a Restore object (as `dcos backup "
      + "restore`).", mixinStandardHelpOptions = true)
  static final class RestoreBackup extends BackupVerb {
    @Option(names = "--cluster", paramLabel = "NAME", description = "Restore into this MarathonCluster (default: the "
        + "one the backup was taken from; another is a migration, refused across Marathon storage versions).")
    String cluster;

    @Option(names = "--wait",
        description = "Show progress until the restore is STATUS_READY (exit 0) or STATUS_ERROR (exit 1).")
    boolean wait;

    @Mixin
    WaitTimeout timeout;

    @Override
    int run(BackupCli cli) {
      return cli.restore(id, cluster, wait, timeout.duration());
    }
  }

  @Command(name = "clusters", description = "Lists the MarathonClusters (the Marathons the operator backs up) with "
      + "their last check: version, leader, Ready.", mixinStandardHelpOptions = true)
  static final class Clusters extends Verb {
    @Override
    int run(BackupCli cli) {
      return cli.clusters();
    }
  }
}
