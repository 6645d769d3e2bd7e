package io.dcos.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand of the jar answers {@code -h} and {@code --help} with its usage, exit code 0. */
class HelpOptionsTest {

  @Test
  void everyCommandDeclaresTheStandardHelpOptions() {
    List<String> missing = new ArrayList<>();
    for (CommandLine command : allCommands(new CommandLine(new Main()))) {
      CommandLine.Model.CommandSpec spec = command.getCommandSpec();
      if (spec.findOption("--help") == null || spec.findOption("-h") == null
          || !spec.findOption("--help").usageHelp()) {
        missing.add(spec.qualifiedName());
      }
    }
    assertThat(missing).as("commands without -h/--help").isEmpty();
  }

  @Test
  void sandboxHelpPrintsItsUsage() {
    for (String flag : List.of("--help", "-h")) {
      CommandRun run = CommandRun.of("sandbox", flag);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out()).as(run.toString()).contains("Usage: marathon-backup-operator sandbox").contains("--once");
      assertThat(run.err()).as(run.toString()).doesNotContain("Unknown option");
    }
  }

  @Test
  void operatorHelpPrintsItsUsageWithoutStarting() {
    CommandRun run = CommandRun.of("operator", "--help");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).as(run.toString()).contains("Usage: marathon-backup-operator operator").contains("MARATHON_ZK");
  }

  @Test
  void everySubcommandHelpExitsZero() {
    for (CommandLine command : allCommands(new CommandLine(new Main()))) {
      List<String> args = new ArrayList<>(List.of(command.getCommandSpec().qualifiedName(" ").split(" ")));
      args.remove(0); // the root command's own name
      args.add("--help");
      CommandRun run = CommandRun.of(args.toArray(String[]::new));
      assertThat(run.exitCode()).as(args + "\n" + run).isZero();
      assertThat(run.out()).as(args + "\n" + run).startsWith("Usage:");
    }
  }

  private static List<CommandLine> allCommands(CommandLine root) {
    List<CommandLine> all = new ArrayList<>();
    all.add(root);
    for (CommandLine sub : root.getSubcommands().values()) {
      if (!all.contains(sub)) {
        all.addAll(allCommands(sub));
      }
    }
    return all;
  }
}
