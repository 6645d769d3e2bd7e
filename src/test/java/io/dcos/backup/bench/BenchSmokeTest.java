package io.dcos.backup.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcos.backup.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `bench --scale small` end to end: its output, not its timing. */
class BenchSmokeTest {

  @Test
  void smallBenchPrintsATableAndOneJsonLineWithSaneFigures() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    BenchCommand bench = new BenchCommand();
    bench.out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int exit = new CommandLine(bench).execute("--scale", "small", "--floor-rounds", "3", "--leaderless-rounds", "2");
    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(output).isZero();

    List<String> lines = output.lines().toList();
    assertThat(output).contains("separate process").contains("snapshot: engine").contains("(a) sequential sync walk")
        .contains("(b) pipelined async calls").contains("(c) floor: getACL only").contains("(a) one create per round trip")
        .contains("(b) raw multi() writes").contains("verify: engine");
    JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));

    long expectedNodes = new MarathonTree(MarathonTree.Scale.SMALL).measure()[0];
    assertThat(json.get("znodes").asLong()).isEqualTo(expectedNodes).isGreaterThan(1_000);
    assertThat(json.get("bytes").asLong()).isGreaterThan(1_000_000);
    assertThat(json.get("server_version").asText()).matches("3\\.9\\.\\d+");
    for (String ratio : List.of("snapshot_znodes_per_s", "restore_znodes_per_s", "snapshot_vs_pipelined",
        "snapshot_vs_sequential", "snapshot_vs_acl_floor", "restore_vs_raw", "restore_vs_one_by_one",
        "verify_vs_snapshot", "backup_total_precopy_vs_whole")) {
      assertThat(json.get(ratio)).as(ratio).isNotNull();
      assertThat(json.get(ratio).asDouble()).as(ratio).isPositive().isLessThan(1e7);
    }
    assertThat(json.get("snapshot_vs_acl_floor_by_round")).as(output).hasSize(3);
    assertThat(json.get("backup_total_precopy_vs_whole_by_round")).as(output).hasSize(2);
    for (String byRound : List.of("snapshot_vs_acl_floor_by_round", "backup_total_precopy_vs_whole_by_round")) {
      for (JsonNode ratio : json.get(byRound)) {
        assertThat(ratio.asDouble()).as(byRound).isPositive().isLessThan(1e3);
      }
    }
    assertThat(json.get("peak_heap_mb").asLong()).isPositive()
        .isLessThanOrEqualTo(json.get("max_heap_mb").asLong());
    assertThat(json.get("verify_ok").asBoolean()).isTrue();
    // Marathon's leaderless time, measured on 3 simulated Marathons with the tree in their state.
    assertThat(output).contains("Marathon leaderless during a fenced operation")
        .contains("backup, pre-copy then a fenced delta");
    for (String figure : List.of("leaderless_backup_whole_s", "leaderless_backup_precopy_s", "backup_total_whole_s",
        "backup_total_precopy_s", "leaderless_restore_whole_s", "leaderless_restore_delta_s")) {
      assertThat(json.get(figure)).as(figure).isNotNull();
      assertThat(json.get(figure).asDouble()).as(figure).isPositive().isLessThan(60);
    }
    // The leader was busy: it wrote its instances at a steady rate through the rounds, and during the backups.
    assertThat(json.get("leader_writes_per_s_asked").asInt()).isPositive();
    assertThat(json.get("leader_apps").asInt()).isPositive();
    assertThat(json.get("leader_writes").asLong()).as(output).isPositive();
    assertThat(json.get("leader_writes_backup_whole").asLong() + json.get("leader_writes_backup_precopy").asLong())
        .as(output).isPositive();
    assertThat(json.get("precopy_fenced_znodes_reread")).as(output).isNotEmpty();
    for (JsonNode written : json.get("restore_delta_znodes_written")) {
      assertThat(written.asLong()).as("a delta restore writes only the difference").isPositive()
          .isLessThan(json.get("znodes").asLong());
    }
    assertThat(output).contains("leader's instance updates");
    long onePercent = json.get("znodes").asLong() / 100;
    assertThat(json.get("restore_changed_znodes").asLong()).as("1% of the tree differs in each restore")
        .isBetween(onePercent - 1, onePercent + 1);
    // Backup and restore through S3 next to the backup directory, on the same Marathons and tree.
    assertThat(output).contains("Backup and restore through S3 next to the backup directory");
    for (String figure : List.of("local_backup_s", "s3_backup_s", "local_restore_s", "s3_restore_s")) {
      assertThat(json.get(figure)).as(figure).isNotNull();
      assertThat(json.get(figure).asDouble()).as(figure).isPositive().isLessThan(120);
    }
    for (String ratio : List.of("s3_vs_local_backup", "s3_vs_local_restore")) {
      assertThat(json.get(ratio)).as(ratio).isNotNull();
      assertThat(json.get(ratio).asDouble()).as(ratio).isPositive().isLessThan(100);
    }
    assertThat(json.get("writes_under_jute_maxbuffer").asBoolean()).isTrue();
    assertThat(json.get("largest_write_request_bytes").asLong()).isPositive().isLessThanOrEqualTo(0xfffff);
  }

  @Test
  void s3RoundsZeroLeavesTheS3FiguresOutAndASmallTreeGetsMoreFloorRounds() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    BenchCommand bench = new BenchCommand();
    bench.out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int exit = new CommandLine(bench).execute("--scale", "small", "--server", "inprocess", "--leaderless-rounds", "0",
        "--s3-rounds", "0");
    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(output).isZero();
    List<String> lines = output.lines().toList();
    JsonNode json = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertThat(json.get("floor_rounds").asInt()).as("more rounds by default on a small tree").isEqualTo(25);
    assertThat(json.get("snapshot_vs_acl_floor_by_round")).as(output).hasSize(25);
    assertThat(json.has("s3_backup_s")).as(output).isFalse();
    assertThat(json.has("leaderless_restore_delta_s")).as(output).isFalse();
    assertThat(output).doesNotContain("through S3");
  }

  @Test
  void benchIsASubcommandOfTheJar() {
    CommandLine cli = new CommandLine(new Main());
    assertThat(cli.getSubcommands()).containsKey("bench");
  }
}
