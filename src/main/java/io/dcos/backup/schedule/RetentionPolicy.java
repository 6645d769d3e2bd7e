package io.dcos.backup.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which of a schedule's backups to delete: a pure function of the backups (fire time, outcome, ownership, use) and
 * the time. {@code keepLast} keeps the N newest ready backups and, separately, the N newest failed ones, so failures
 * never push good backups out; {@code maxAge} deletes finished backups whose fire time is older. Whatever the
 * policy says, it never deletes
 * <ul>
 *   <li>a backup the schedule does not own (a hand-made one, another schedule's),</li>
 *   <li>a backup still running,</li>
 *   <li>the newest ready backup (a suspended schedule with {@code maxAge} must not age away the last good copy),</li>
 *   <li>a backup a Restore that has not finished uses.</li>
 * </ul>
 */
public record RetentionPolicy(Optional<Integer> keepLast, Optional<Duration> maxAge) {
  private static final Pattern DURATION = Pattern.compile("([0-9]+)([dhms])");

  public RetentionPolicy {
    keepLast.ifPresent(n -> {
      if (n < 1) {
        throw new IllegalArgumentException("keepLast must be at least 1, is " + n);
      }
    });
    maxAge.ifPresent(age -> {
      if (age.isZero() || age.isNegative()) {
        throw new IllegalArgumentException("maxAge must be positive");
      }
    });
  }

  public static RetentionPolicy keepAll() {
    return new RetentionPolicy(Optional.empty(), Optional.empty());
  }

  public enum State { RUNNING, READY, FAILED }

  /**
   * @param fireTime when the schedule fired for it (ages and order are by this, not by the object's creation)
   * @param owned created by (owner reference to) this schedule
   * @param usedBy the Restore that has not finished and uses it, if any
   */
  public record Candidate(String name, Instant fireTime, State state, boolean owned, Optional<String> usedBy) {}

  public record Verdict(String name, String reason) {}

  /** @param delete what to delete, oldest first; @param spared what the policy selected but a safety rule keeps */
  public record Plan(List<Verdict> delete, List<Verdict> spared) {}

  public boolean isKeepAll() {
    return keepLast.isEmpty() && maxAge.isEmpty();
  }

  public Plan apply(List<Candidate> candidates, Instant now) {
    List<Candidate> newestFirst = candidates.stream()
        .filter(Candidate::owned)
        .sorted(Comparator.comparing(Candidate::fireTime).thenComparing(Candidate::name).reversed())
        .toList();
    Candidate newestReady = newestFirst.stream().filter(c -> c.state() == State.READY).findFirst().orElse(null);
    List<Verdict> delete = new ArrayList<>();
    List<Verdict> spared = new ArrayList<>();
    int ready = 0;
    int failed = 0;
    for (Candidate candidate : newestFirst) {
      if (candidate.state() == State.RUNNING) {
        continue;
      }
      int rank = candidate.state() == State.READY ? ++ready : ++failed;
      List<String> reasons = new ArrayList<>();
      keepLast.filter(n -> rank > n).ifPresent(n -> reasons.add(
          (candidate.state() == State.READY ? "ready" : "failed") + " backup number " + rank
              + " counting from the newest, beyond keepLast " + n));
      Duration age = Duration.between(candidate.fireTime(), now);
      maxAge.filter(max -> age.compareTo(max) > 0).ifPresent(max -> reasons.add(
          "older than maxAge " + format(max) + " (age " + format(age) + ")"));
      if (reasons.isEmpty()) {
        continue;
      }
      String why = String.join("; ", reasons);
      if (candidate == newestReady) {
        spared.add(new Verdict(candidate.name(), "kept as the newest ready backup, although " + why));
      } else if (candidate.usedBy().isPresent()) {
        spared.add(new Verdict(candidate.name(), "kept while restore " + candidate.usedBy().get()
            + " uses it, although " + why));
      } else {
        delete.add(new Verdict(candidate.name(), why));
      }
    }
    Collections.reverse(delete);
    return new Plan(List.copyOf(delete), List.copyOf(spared));
  }

  /**
   * A Kubernetes-style duration: one or more {@code <number><unit>} with units d (24 h), h, m, s — {@code 72h},
   * {@code 30d}, {@code 1d12h}. Go's duration syntax plus days, which retention is mostly written in.
   *
   * @throws IllegalArgumentException with a message a user can act on
   */
  public static Duration parseDuration(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("duration is empty");
    }
    Matcher matcher = DURATION.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (matcher.find() && matcher.start() == end) {
      long amount;
      try {
        amount = Long.parseLong(matcher.group(1));
        total = total.plus(switch (matcher.group(2)) {
          case "d" -> Duration.ofDays(amount);
          case "h" -> Duration.ofHours(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofSeconds(amount);
        });
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("duration \"" + text + "\" is too large");
      }
      end = matcher.end();
    }
    if (end != text.length()) {
      throw new IllegalArgumentException("duration \"" + text + "\" is not of the form 30d, 72h, 1d12h, 90m "
          + "(units d, h, m, s)");
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("duration \"" + text + "\" must be positive");
    }
    return total;
  }

  /** The shortest form parseDuration reads back: 3d, 72h30m, 90s. */
  public static String format(Duration duration) {
    long seconds = Math.max(0, duration.getSeconds());
    if (seconds == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long[] sizes = {86_400, 3_600, 60, 1};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (seconds >= sizes[i]) {
        out.append(seconds / sizes[i]).append(units[i]);
        seconds %= sizes[i];
      }
    }
    return out.toString();
  }
}
