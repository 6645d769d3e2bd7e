package io.dcos.backup.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.schedule.RetentionPolicy.Candidate;
import io.dcos.backup.schedule.RetentionPolicy.State;
import io.dcos.backup.schedule.RetentionPolicy.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetentionPolicyTest {
  private static final Instant NOW = Instant.parse("2026-03-10T00:00:00Z");

  /** A backup fired {@code daysAgo} days before NOW. */
  private static Candidate owned(String name, int daysAgo, State state) {
    return new Candidate(name, NOW.minus(Duration.ofDays(daysAgo)), state, true, Optional.empty());
  }

  private static RetentionPolicy keepLast(int n) {
    return new RetentionPolicy(Optional.of(n), Optional.empty());
  }

  private static RetentionPolicy maxAge(String age) {
    return new RetentionPolicy(Optional.empty(), Optional.of(RetentionPolicy.parseDuration(age)));
  }

  private static List<String> deleted(RetentionPolicy policy, List<Candidate> candidates) {
    return policy.apply(candidates, NOW).delete().stream().map(Verdict::name).toList();
  }

  @Test
  void keepAllDeletesNothing() {
    var all = List.of(owned("a", 1, State.READY), owned("b", 100, State.READY), owned("c", 50, State.FAILED));
    assertThat(RetentionPolicy.keepAll().isKeepAll()).isTrue();
    assertThat(deleted(RetentionPolicy.keepAll(), all)).isEmpty();
  }

  @Test
  void keepLastDeletesTheOldestReadyBackupsBeyondTheCountOldestFirst() {
    var all = List.of(owned("d4", 4, State.READY), owned("d1", 1, State.READY), owned("d3", 3, State.READY),
        owned("d2", 2, State.READY), owned("d5", 5, State.READY));
    var plan = keepLast(2).apply(all, NOW);
    assertThat(plan.delete()).extracting(Verdict::name).containsExactly("d5", "d4", "d3");
    assertThat(plan.delete().get(0).reason()).contains("beyond keepLast 2");
    assertThat(plan.spared()).isEmpty();
  }

  @Test
  void failedBackupsNeverPushReadyOnesOutAndAreKeptUpToTheSameCount() {
    // The three newest failed: keepLast 2 still keeps the two newest ready ones, and only two failures.
    var all = List.of(owned("f1", 1, State.FAILED), owned("f2", 2, State.FAILED), owned("f3", 3, State.FAILED),
        owned("r4", 4, State.READY), owned("r5", 5, State.READY), owned("r6", 6, State.READY));
    assertThat(deleted(keepLast(2), all)).containsExactly("r6", "f3");
  }

  @Test
  void runningBackupsAreNeitherCountedNorDeleted() {
    var all = List.of(owned("running-new", 0, State.RUNNING), owned("running-old", 90, State.RUNNING),
        owned("r1", 1, State.READY), owned("r2", 2, State.READY));
    assertThat(deleted(keepLast(2), all)).isEmpty();
    assertThat(deleted(maxAge("30d"), all)).isEmpty();
  }

  @Test
  void maxAgeDeletesFinishedBackupsOlderThanItButKeepsTheNewestReadyOne() {
    var all = List.of(owned("f1", 1, State.FAILED), owned("r2", 2, State.READY), owned("r8", 8, State.READY),
        owned("f9", 9, State.FAILED));
    assertThat(deleted(maxAge("7d"), all)).containsExactly("f9", "r8");
    var plan = maxAge("7d").apply(all, NOW);
    assertThat(plan.delete().get(0).reason()).isEqualTo("older than maxAge 7d (age 9d)");

    // Suspended for a month: everything is older than maxAge, but the last good backup stays.
    var stale = List.of(owned("r30", 30, State.READY), owned("r31", 31, State.READY), owned("f29", 29, State.FAILED));
    var stalePlan = maxAge("7d").apply(stale, NOW);
    assertThat(stalePlan.delete()).extracting(Verdict::name).containsExactly("r31", "f29");
    assertThat(stalePlan.spared()).singleElement().satisfies(v -> {
      assertThat(v.name()).isEqualTo("r30");
      assertThat(v.reason()).contains("newest ready backup", "older than maxAge 7d");
    });
  }

  @Test
  void aBackupExactlyAtMaxAgeIsKept() {
    var all = List.of(owned("r0", 0, State.READY), owned("r7", 7, State.READY));
    assertThat(deleted(maxAge("7d"), all)).isEmpty();
    assertThat(deleted(maxAge("167h"), all)).containsExactly("r7");
  }

  @Test
  void keepLastAndMaxAgeTogetherDeleteWhatEitherSelects() {
    var policy = new RetentionPolicy(Optional.of(3), Optional.of(Duration.ofDays(5)));
    var all = List.of(owned("r1", 1, State.READY), owned("r2", 2, State.READY), owned("r6", 6, State.READY),
        owned("r7", 7, State.READY), owned("r8", 8, State.READY));
    var plan = policy.apply(all, NOW);
    assertThat(plan.delete()).extracting(Verdict::name).containsExactly("r8", "r7", "r6");
    assertThat(plan.delete().get(0).reason()).contains("beyond keepLast 3").contains("older than maxAge 5d");
    assertThat(plan.delete().get(2).reason()).doesNotContain("keepLast").contains("maxAge");
  }

  @Test
  void aBackupARunningRestoreUsesIsKeptAndSaysWhy() {
    var used = new Candidate("r5", NOW.minus(Duration.ofDays(5)), State.READY, true, Optional.of("undo-upgrade"));
    var all = List.of(owned("r1", 1, State.READY), used, owned("r6", 6, State.READY));
    var plan = keepLast(1).apply(all, NOW);
    assertThat(plan.delete()).extracting(Verdict::name).containsExactly("r6");
    assertThat(plan.spared()).singleElement().satisfies(v -> {
      assertThat(v.name()).isEqualTo("r5");
      assertThat(v.reason()).contains("restore undo-upgrade");
    });
  }

  @Test
  void backupsTheScheduleDoesNotOwnAreNeitherDeletedNorCounted() {
    var foreign = new Candidate("hand-made", NOW.minus(Duration.ofDays(100)), State.READY, false, Optional.empty());
    var foreignNewest = new Candidate("other-schedule", NOW, State.READY, false, Optional.empty());
    var all = List.of(foreign, foreignNewest, owned("r1", 1, State.READY), owned("r2", 2, State.READY));
    assertThat(deleted(keepLast(1), all)).containsExactly("r2");
    assertThat(deleted(maxAge("1h"), all)).containsExactly("r2").doesNotContain("hand-made");
    // Foreign ready backups do not count as "the newest ready": only the schedule's own is protected.
    var onlyOwnOld = List.of(foreignNewest, owned("r9", 9, State.READY), owned("r10", 10, State.READY));
    assertThat(deleted(maxAge("1d"), onlyOwnOld)).containsExactly("r10");
  }

  @Test
  void withNoReadyBackupAtAllNothingIsProtectedByThatRule() {
    var all = List.of(owned("f1", 1, State.FAILED), owned("f2", 2, State.FAILED), owned("f3", 3, State.FAILED));
    assertThat(deleted(keepLast(1), all)).containsExactly("f3", "f2");
  }

  @Test
  void theOutcomeDoesNotDependOnInputOrder() {
    List<Candidate> all = new ArrayList<>();
    for (int day = 0; day < 20; day++) {
      all.add(owned("b" + day, day, day % 3 == 0 ? State.FAILED : State.READY));
    }
    var expected = keepLast(4).apply(all, NOW);
    java.util.Collections.shuffle(all, new java.util.Random(7));
    assertThat(keepLast(4).apply(all, NOW)).isEqualTo(expected);
    assertThat(expected.delete()).hasSize(20 - 4 - 4);
  }

  @ParameterizedTest
  @CsvSource({"72h, PT72H", "30d, PT720H", "1d12h, PT36H", "90m, PT1H30M", "45s, PT45S", "1h30m15s, PT1H30M15S"})
  void durationsParseAsKubernetesStyle(String text, String expected) {
    assertThat(RetentionPolicy.parseDuration(text)).isEqualTo(Duration.parse(expected));
    assertThat(RetentionPolicy.parseDuration(RetentionPolicy.format(Duration.parse(expected))))
        .isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0d", "72", "h", "1w", "-1d", "1.5h", "1d 2h", "d1", "99999999999999999999d"})
  void malformedDurationsAreRejected(String text) {
    assertThatThrownBy(() -> RetentionPolicy.parseDuration(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nonsensicalPoliciesAreRejected() {
    assertThatThrownBy(() -> keepLast(0)).hasMessageContaining("keepLast");
    assertThatThrownBy(() -> new RetentionPolicy(Optional.empty(), Optional.of(Duration.ZERO)))
        .hasMessageContaining("maxAge");
  }
}
