package io.dcos.backup.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {
  private static Instant t(String time) {
    return Instant.parse(time);
  }

  @Test
  void nextIsStrictlyAfterAndInUtc() {
    CronSchedule daily = CronSchedule.parse("0 3 * * *");
    assertThat(daily.next(t("2026-03-01T02:59:59Z"))).contains(t("2026-03-01T03:00:00Z"));
    assertThat(daily.next(t("2026-03-01T03:00:00Z"))).contains(t("2026-03-02T03:00:00Z"));
    assertThat(CronSchedule.parse("*/15 * * * *").next(t("2026-03-01T10:07:31Z"))).contains(t("2026-03-01T10:15:00Z"));
  }

  @Test
  void latestAtOrBeforeIncludesTheInstantItself() {
    CronSchedule hourly = CronSchedule.parse("0 * * * *");
    assertThat(hourly.latestAtOrBefore(t("2026-03-01T10:00:00Z"))).contains(t("2026-03-01T10:00:00Z"));
    assertThat(hourly.latestAtOrBefore(t("2026-03-01T10:00:00.500Z"))).contains(t("2026-03-01T10:00:00Z"));
    assertThat(hourly.latestAtOrBefore(t("2026-03-01T09:59:59Z"))).contains(t("2026-03-01T09:00:00Z"));
  }

  @Test
  void dayOfWeekAndMonthFieldsFollowUnixCron() {
    CronSchedule sundays = CronSchedule.parse("30 2 * * 0");
    // 2026-03-01 is a Sunday.
    assertThat(sundays.next(t("2026-02-26T00:00:00Z"))).contains(t("2026-03-01T02:30:00Z"));
    CronSchedule firstOfMonth = CronSchedule.parse("0 0 1 * *");
    assertThat(firstOfMonth.next(t("2026-02-15T00:00:00Z"))).contains(t("2026-03-01T00:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "* * * *", "0 0 * * * *", "61 * * * *", "* 25 * * *", "hello", "@daily"})
  void invalidExpressionsAreRejectedWithTheReason(String expression) {
    assertThatThrownBy(() -> CronSchedule.parse(expression))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schedule");
  }

  @Test
  void nothingIsDueBeforeTheFirstFireTimeAfterSince() {
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * *");
    var due = everyFive.due(t("2026-03-01T10:00:30Z"), t("2026-03-01T10:04:59Z"), Optional.empty());
    assertThat(due.fireTime()).isEmpty();
    assertThat(due.shouldRun()).isFalse();
    assertThat(due.next()).contains(t("2026-03-01T10:05:00Z"));
  }

  @Test
  void aFireTimeIsDueOnceAndNotAgainAfterItWasHandled() {
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * *");
    var due = everyFive.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:05:00Z"), Optional.empty());
    assertThat(due.fireTime()).contains(t("2026-03-01T10:05:00Z"));
    assertThat(due.olderMissed()).isZero();
    assertThat(due.shouldRun()).isTrue();
    assertThat(due.next()).contains(t("2026-03-01T10:10:00Z"));

    var again = everyFive.due(t("2026-03-01T10:05:00Z"), t("2026-03-01T10:05:02Z"), Optional.empty());
    assertThat(again.fireTime()).isEmpty();
  }

  @Test
  void afterDowntimeOnlyTheLatestMissedFireTimeIsDueAndTheOthersAreCounted() {
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * *");
    // Handled 10:00; down until 10:23: 10:05, 10:10, 10:15 dropped, 10:20 caught up.
    var due = everyFive.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:23:00Z"), Optional.of(Duration.ofMinutes(5)));
    assertThat(due.fireTime()).contains(t("2026-03-01T10:20:00Z"));
    assertThat(due.olderMissed()).isEqualTo(3);
    assertThat(due.pastDeadline()).isFalse();
    assertThat(due.shouldRun()).isTrue();
    assertThat(due.next()).contains(t("2026-03-01T10:25:00Z"));
  }

  @Test
  void aMissedFireTimePastTheStartingDeadlineIsNotRun() {
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * *");
    var late = everyFive.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:23:00Z"), Optional.of(Duration.ofSeconds(179)));
    assertThat(late.fireTime()).contains(t("2026-03-01T10:20:00Z"));
    assertThat(late.pastDeadline()).isTrue();
    assertThat(late.shouldRun()).isFalse();
    var exactlyAtDeadline = everyFive.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:23:00Z"),
        Optional.of(Duration.ofSeconds(180)));
    assertThat(exactlyAtDeadline.shouldRun()).isTrue();
  }

  @Test
  void withoutDeadlineEvenALongOutageCatchesUpExactlyOnce() {
    CronSchedule minutely = CronSchedule.parse("* * * * *");
    var due = minutely.due(t("2026-03-01T00:00:00Z"), t("2026-03-08T00:00:30Z"), Optional.empty());
    assertThat(due.fireTime()).contains(t("2026-03-08T00:00:00Z"));
    assertThat(due.shouldRun()).isTrue();
    assertThat(due.olderMissed()).isEqualTo(CronSchedule.MISSED_COUNT_LIMIT);
  }

  @Test
  void theNextFireTimeIsNeverOneThatWillNotRun() {
    // The schedule was created (API server clock) after the operator's clock: 10:05 is not after "since".
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * *");
    var due = everyFive.due(t("2026-03-01T10:05:10Z"), t("2026-03-01T10:04:50Z"), Optional.empty());
    assertThat(due.fireTime()).isEmpty();
    assertThat(due.next()).contains(t("2026-03-01T10:10:00Z"));
  }
}
