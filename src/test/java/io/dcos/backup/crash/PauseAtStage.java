package io.dcos.backup.crash;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.dcos.backup.cli.Main;
import io.dcos.backup.control.OperationQueue;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Holds one operation of a child operator at one stage, so that a test can SIGKILL it there however short the stage
 * is (the fenced part of a pre-copied restore can last a few milliseconds, shorter than a status round trip).
 *
 * <p>The operation queue logs every stage on the operation's own thread, after the stage is in the operation's
 * progress and the object's status update has been asked for. This filter blocks that log call, once, for the object
 * and stage it is given: the operation then stands still at exactly that point until the test kills the process, or
 * until the pause ends and it goes on as usual.
 */
public final class PauseAtStage extends TurboFilter {
  static final String OBJECT = "crash.pauseObject";
  static final String STAGE = "crash.pauseStage";
  private static final Duration PAUSE = Duration.ofSeconds(60);

  private final String object;
  private final Pattern stage;
  private final AtomicBoolean paused = new AtomicBoolean();

  PauseAtStage(String object, Pattern stage) {
    this.object = object;
    this.stage = stage;
  }

  /** {@link Main} with the pause that the system properties {@value #OBJECT} and {@value #STAGE} name, if any. */
  public static void main(String[] args) {
    String object = System.getProperty(OBJECT);
    String stage = System.getProperty(STAGE);
    if (object != null && stage != null) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      PauseAtStage filter = new PauseAtStage(object, Pattern.compile(stage));
      filter.start();
      context.addTurboFilter(filter);
    }
    Main.main(args);
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger.getName().equals(OperationQueue.class.getName()) && params != null && params.length == 1
        && object.equals(MDC.get("object")) && stage.matcher(String.valueOf(params[0])).find()
        && paused.compareAndSet(false, true)) {
      try {
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return FilterReply.NEUTRAL;
  }
}
