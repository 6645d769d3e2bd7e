package io.dcos.backup.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A 5-field (Unix) cron expression, evaluated in UTC by cron-utils, plus the rule for runs the operator missed:
 * only the latest missed fire time may still run, and only within the starting deadline.
 */
public final class CronSchedule {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  /** Missed fire times are counted up to this many (for the message only: a minutely schedule down a week). */
  static final int MISSED_COUNT_LIMIT = 1000;

  private final String expression;
  private final ExecutionTime executionTime;

  private CronSchedule(String expression, ExecutionTime executionTime) {
    this.expression = expression;
    this.executionTime = executionTime;
  }

  /** @throws IllegalArgumentException with a message a user can act on */
  public static CronSchedule parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("schedule is required (5 cron fields: minute hour day-of-month month "
          + "day-of-week, in UTC)");
    }
    String trimmed = expression.trim();
    String[] fields = trimmed.split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException("schedule \"" + trimmed + "\" must have 5 fields (minute hour day-of-month "
          + "month day-of-week), has " + fields.length);
    }
    Cron cron;
    try {
      cron = PARSER.parse(trimmed).validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("schedule \"" + trimmed + "\" is not a valid cron expression: "
          + e.getMessage(), e);
    }
    CronSchedule schedule = new CronSchedule(trimmed, ExecutionTime.forCron(cron));
    if (schedule.next(Instant.EPOCH).isEmpty()) {
      throw new IllegalArgumentException("schedule \"" + trimmed + "\" never fires");
    }
    return schedule;
  }

  public String expression() {
    return expression;
  }

  /** The first fire time strictly after {@code instant}. */
  public Optional<Instant> next(Instant instant) {
    return executionTime.nextExecution(utc(instant)).map(ZonedDateTime::toInstant);
  }

  /** The latest fire time at or before {@code instant}. */
  public Optional<Instant> latestAtOrBefore(Instant instant) {
    // cron-utils' lastExecution is strictly before; fire times are whole minutes, so look from just after.
    Instant probe = instant.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    return executionTime.lastExecution(utc(probe)).map(ZonedDateTime::toInstant)
        .filter(t -> !t.isAfter(instant));
  }

  /**
   * What is due at {@code now} for a schedule that last handled (ran or skipped) the fire time {@code since}, or was
   * created at {@code since}: the latest fire time in (since, now] if any, how many earlier ones in that interval
   * will never run, whether the latest is already past {@code startingDeadline} (then it is skipped too), and the
   * next fire time after now.
   */
  public Due due(Instant since, Instant now, Optional<Duration> startingDeadline) {
    // From the later of the two: an API server clock ahead of the operator's must not announce a fire time that
    // will not run.
    Optional<Instant> next = next(since.isAfter(now) ? since : now);
    Optional<Instant> latest = latestAtOrBefore(now).filter(t -> t.isAfter(since));
    if (latest.isEmpty()) {
      return new Due(Optional.empty(), 0, false, next);
    }
    int missed = 0;
    Optional<Instant> t = next(since);
    while (t.isPresent() && t.get().isBefore(latest.get()) && missed < MISSED_COUNT_LIMIT) {
      missed++;
      t = next(t.get());
    }
    boolean tooLate = startingDeadline.map(deadline -> Duration.between(latest.get(), now).compareTo(deadline) > 0)
        .orElse(false);
    return new Due(latest, missed, tooLate, next);
  }

  /**
   * @param fireTime the latest fire time not yet handled, if any
   * @param olderMissed fire times before it, since the last handled one, that are dropped (at most one catch-up run)
   * @param pastDeadline the fire time is older than startingDeadlineSeconds: it is skipped, not run
   * @param next the next fire time after now (and after since)
   */
  public record Due(Optional<Instant> fireTime, int olderMissed, boolean pastDeadline, Optional<Instant> next) {
    public boolean shouldRun() {
      return fireTime.isPresent() && !pastDeadline;
    }
  }

  private static ZonedDateTime utc(Instant instant) {
    return instant.atZone(ZoneOffset.UTC);
  }

  @Override
  public String toString() {
    return expression;
  }
}
