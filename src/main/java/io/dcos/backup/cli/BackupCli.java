package io.dcos.backup.cli;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.MarathonCluster;
import io.dcos.backup.api.BackupStatus;
import io.dcos.backup.api.ComponentStatus;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.api.RestoreRecord;
import io.dcos.backup.api.RestoreSpec;
import io.dcos.backup.api.RestoreStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.File;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * What `kubectl backup` does, verb by verb, against one namespace of one cluster. Output as the DC/OS CLI printed it:
 * the `list` table and the JSON backup records of `show` and `list --json`. Every failure is a {@link UserError} whose
 * message is the one line the user sees.
 */
final class BackupCli implements AutoCloseable {
  static final Duration POLL = Duration.ofMillis(500);
  /** How long `create` without --wait waits for the operator to assign the backup ID. */
  static final Duration ID_WAIT = Duration.ofSeconds(15);
  /** --wait says "waiting for the operator" only when it does not answer at once (so the ID is the first line). */
  static final Duration QUIET_START = Duration.ofSeconds(3);
  /** Two-space indented, {@code "key": value}: how the DC/OS CLI printed its JSON. */
  private static final ObjectWriter JSON = new ObjectMapper().writer(new DefaultPrettyPrinter()
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"))
      .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final KubernetesClient client;
  private final String namespace;
  private final String server;
  private final PrintWriter out;
  private final PrintWriter err;

  private BackupCli(KubernetesClient client, String namespace, String server, PrintWriter out, PrintWriter err) {
    this.client = client;
    this.namespace = namespace;
    this.server = server;
    this.out = out;
    this.err = err;
  }

  /** A user-facing failure: printed as {@code error: <message>}, exit code 1. */
  static final class UserError extends RuntimeException {
    UserError(String message) {
      super(message);
    }
  }

  /**
   * Connects as kubectl would: {@code --kubeconfig} or $KUBECONFIG or ~/.kube/config (or in-cluster), the given or
   * current context, and the given namespace or the context's or "default".
   */
  static BackupCli connect(String kubeconfig, String context, String namespace, PrintWriter out,
      PrintWriter err) {
    quietClientLogging();
    Config config;
    try {
      if (kubeconfig != null) {
        File file = new File(kubeconfig);
        if (!file.isFile()) {
          throw new UserError("kubeconfig " + kubeconfig + " does not exist");
        }
        config = Config.fromKubeconfig(context, file);
      } else {
        config = Config.autoConfigure(context);
      }
    } catch (KubernetesClientException e) {
      throw new UserError("cannot load the kubeconfig: " + oneLine(e.getMessage()));
    }
    // A CLI answers at once: no retry loop on a refused connection, no long connect timeout.
    config = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).withConnectionTimeout(10_000).build();
    String ns = namespace != null ? namespace : Optional.ofNullable(config.getNamespace()).orElse("default");
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    return new BackupCli(client, ns, config.getMasterUrl(), out, err);
  }

  /** Fabric8 warns on stderr about things a plugin user cannot act on (e.g. an alpha API version). */
  private static void quietClientLogging() {
    if (LoggerFactory.getLogger("io.fabric8") instanceof ch.qos.logback.classic.Logger logger
        && (logger.getLevel() == null || logger.getLevel().isGreaterOrEqual(Level.WARN))) {
      logger.setLevel(Level.ERROR);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  // ---- verbs ----

  int create(String label, boolean wait, Duration timeout) {
    return create(label, null, wait, timeout);
  }

  /** A Backup of MarathonCluster {@code cluster} (null: {@code default}). */
  int create(String label, String cluster, boolean wait, Duration timeout) {
    Backup backup = new Backup();
    backup.getMetadata().setNamespace(namespace);
    backup.setSpec(new BackupSpec(label, null, null, cluster));
    Backup created = null;
    for (int attempt = 0; created == null; attempt++) {
      backup.getMetadata().setName(objectName(label));
      try {
        created = api(() -> client.resource(backup).create());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 4) {
          throw translate(e);
        }
      }
    }
    String name = created.getMetadata().getName();
    if (wait) {
      Backup done = follow(Backup.class, name, timeout, b -> b.getStatus() == null ? null : b.getStatus().phase(),
          b -> b.getStatus() == null ? null : b.getStatus().message(),
          b -> b.getStatus() == null ? null : b.getStatus().id());
      BackupStatus status = done.getStatus();
      if (status.phase() == Phase.STATUS_ERROR) {
        throw new UserError("backup " + idOrName(done) + " failed: " + oneLine(status.message()));
      }
      return 0;
    }
    Optional<String> id = awaitId(name);
    if (id.isPresent()) {
      out.println(id.get());
    } else {
      out.println(name);
      out.flush();
      err.println("warning: Backup " + namespace + "/" + name + " created, but it has no backup ID yet: "
          + "is the operator running? (kubectl backup list)");
      err.flush();
    }
    return 0;
  }

  int list(String prefix, boolean json) {
    return list(prefix, null, json);
  }

  /** As {@link #list(String, boolean)}, only the backups of MarathonCluster {@code cluster} when it is not null. */
  int list(String prefix, String cluster, boolean json) {
    List<Backup> backups = backups().stream()
        .filter(b -> prefix == null || idOrLabel(b).startsWith(prefix))
        .filter(b -> cluster == null || cluster.equals(clusterOf(b)))
        .sorted(Comparator.comparing(BackupCli::timestamp).thenComparing(BackupCli::idOrName))
        .toList();
    if (json) {
      ArrayNode records = NODES.arrayNode();
      backups.forEach(b -> records.add(record(b)));
      out.println(write(records));
      return 0;
    }
    // DC/OS's four columns; a fifth, CLUSTER, once a backup of another Marathon than the default one is listed.
    boolean clusterColumn = backups.stream().anyMatch(b -> !MarathonCluster.DEFAULT_NAME.equals(clusterOf(b)));
    List<String[]> rows = new ArrayList<>();
    rows.add(clusterColumn ? new String[] {"BACKUP ID", "VERSION", "STATUS", "TIMESTAMP", "CLUSTER"}
        : new String[] {"BACKUP ID", "VERSION", "STATUS", "TIMESTAMP"});
    for (Backup b : backups) {
      BackupStatus status = b.getStatus();
      String version = status == null || status.marathonVersion() == null ? "-" : status.marathonVersion();
      rows.add(clusterColumn ? new String[] {idOrName(b), version, phase(b).name(), timestamp(b), clusterOf(b)}
          : new String[] {idOrName(b), version, phase(b).name(), timestamp(b)});
    }
    printTable(rows);
    return 0;
  }

  int show(String id) {
    out.println(write(record(find(id))));
    return 0;
  }

  int delete(String id) {
    Backup backup = find(id);
    api(() -> client.resources(Backup.class).inNamespace(namespace).withName(backup.getMetadata().getName()).delete());
    out.println("Backup " + idOrName(backup) + " deleted (its archive is deleted by the operator)");
    return 0;
  }

  int restore(String id, boolean wait, Duration timeout) {
    return restore(id, null, wait, timeout);
  }

  /**
   * A Restore of the backup into the Marathon it was taken from, or into MarathonCluster {@code into} (a migration:
   * the operator refuses it when the two Marathons' storage versions differ).
   */
  int restore(String id, String into, boolean wait, Duration timeout) {
    Backup backup = find(id);
    BackupStatus status = backup.getStatus();
    if (phase(backup) == Phase.STATUS_ERROR) {
      throw new UserError("backup " + idOrName(backup) + " is STATUS_ERROR, there is nothing to restore"
          + (status.message() == null ? "" : ": " + oneLine(status.message())));
    }
    if (backup.getMetadata().getDeletionTimestamp() != null) {
      throw new UserError("backup " + idOrName(backup) + " is being deleted");
    }
    // By ID as `dcos backup restore` did; a Backup that has no ID yet (just created) by its object name.
    String from = backup.getSpec() == null ? MarathonCluster.DEFAULT_NAME : backup.getSpec().clusterOrDefault();
    String source = MarathonCluster.DEFAULT_NAME.equals(from) ? null : from;
    String target = into == null || into.equals(from) ? null : into;
    RestoreSpec spec = status != null && status.id() != null
        ? new RestoreSpec(status.id(), null, null, source, target)
        : new RestoreSpec(null, backup.getMetadata().getName(), null, source, target);
    String label = backup.getSpec() == null ? "backup" : backup.getSpec().label();
    Restore restore = new Restore();
    restore.getMetadata().setNamespace(namespace);
    restore.setSpec(spec);
    Restore created = null;
    for (int attempt = 0; created == null; attempt++) {
      restore.getMetadata().setName("restore-" + objectName(label));
      try {
        created = api(() -> client.resource(restore).create());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 4) {
          throw translate(e);
        }
      }
    }
    String name = created.getMetadata().getName();
    out.println("Restore " + name + " of backup " + idOrName(backup) + " created");
    out.flush();
    if (wait) {
      Restore done = follow(Restore.class, name, timeout, r -> r.getStatus() == null ? null : r.getStatus().phase(),
          r -> r.getStatus() == null ? null : r.getStatus().message(), r -> null);
      RestoreStatus result = done.getStatus();
      if (result.phase() == Phase.STATUS_ERROR) {
        throw new UserError("restore " + name + " of backup " + idOrName(backup) + " failed: "
            + oneLine(result.message()));
      }
    }
    return 0;
  }

  /**
   * The MarathonClusters with their last check: NAME, ZOOKEEPER, MARATHON, VERSION, LEADER, READY, MESSAGE. In every
   * namespace when the user may list them there, else in the current one.
   */
  int clusters() {
    List<MarathonCluster> clusters;
    try {
      clusters = client.resources(MarathonCluster.class).inAnyNamespace().list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw translate(e);
      }
      clusters = api(() -> client.resources(MarathonCluster.class).inNamespace(namespace).list().getItems());
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "NAMESPACE", "ZOOKEEPER", "MARATHON", "VERSION", "LEADER", "READY", "MESSAGE"});
    clusters.stream().sorted(Comparator.comparing((MarathonCluster c) -> c.getMetadata().getName()))
        .forEach(c -> {
          var clusterStatus = c.getStatus();
          String ready = clusterStatus == null || clusterStatus.conditions() == null ? "Unknown"
              : clusterStatus.conditions().stream().filter(cond -> "Ready".equals(cond.type())).findFirst()
                  .map(cond -> cond.status()).orElse("Unknown");
          rows.add(new String[] {c.getMetadata().getName(), c.getMetadata().getNamespace(),
              c.getSpec() == null ? "-" : dash(c.getSpec().zookeeper()),
              c.getSpec() == null || c.getSpec().marathon() == null ? "-" : dash(c.getSpec().marathon().url()),
              clusterStatus == null ? "-" : dash(clusterStatus.marathonVersion()),
              clusterStatus == null ? "-" : dash(clusterStatus.leader()), ready,
              clusterStatus == null ? "not checked yet" : oneLine(dash(clusterStatus.message()))});
        });
    printTable(rows);
    return 0;
  }

  private static String dash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }

  // ---- lookups ----

  private List<Backup> backups() {
    return api(() -> client.resources(Backup.class).inNamespace(namespace).list().getItems());
  }

  /** A backup by its ID, as DC/OS named backups; its object name works too. */
  private Backup find(String id) {
    List<Backup> backups = backups();
    return backups.stream().filter(b -> b.getStatus() != null && id.equals(b.getStatus().id())).findFirst()
        .or(() -> backups.stream().filter(b -> id.equals(b.getMetadata().getName())).findFirst())
        .orElseThrow(() -> new UserError("backup \"" + id + "\" not found in namespace \"" + namespace + "\""));
  }

  private Optional<String> awaitId(String name) {
    long deadline = System.nanoTime() + ID_WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      Backup current = api(() -> client.resources(Backup.class).inNamespace(namespace).withName(name).get());
      if (current != null && current.getStatus() != null && current.getStatus().id() != null) {
        return Optional.of(current.getStatus().id());
      }
      if (current != null && phase(current) == Phase.STATUS_ERROR) {
        throw new UserError("backup " + name + " failed: " + oneLine(current.getStatus().message()));
      }
      sleep();
    }
    return Optional.empty();
  }

  /**
   * Follows the object until its phase is terminal, printing each change of phase or message (and the backup ID the
   * moment it is assigned, first, on a line of its own). A watch from the object's resourceVersion delivers every
   * status the operator writes, so a phase that lasts less than a poll interval is still shown; a GET every
   * {@link #POLL} without news covers a watch that is refused or drops.
   */
  private <T extends HasMetadata> T follow(Class<T> type, String name, Duration timeout, Function<T, Phase> phase,
      Function<T, String> message, Function<T, String> id) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    String printedId = null;
    String last = null;
    BlockingQueue<Optional<T>> updates = new LinkedBlockingQueue<>();
    T current = get(type, name);
    Watch watch = current == null ? null : watchFrom(type, name, current.getMetadata().getResourceVersion(), updates);
    try {
      while (true) {
        if (current == null) {
          throw new UserError(type.getSimpleName() + " " + namespace + "/" + name
              + " was deleted while waiting for it");
        }
        String currentId = id.apply(current);
        if (currentId != null && printedId == null) {
          printedId = currentId;
          out.println(currentId);
        }
        Phase p = phase.apply(current);
        String m = message.apply(current);
        String line = (p == null ? "waiting for the operator" : p.name()) + (m == null ? "" : "  " + oneLine(m));
        boolean quietStart = p == null && System.nanoTime() - started < QUIET_START.toNanos();
        if (!line.equals(last) && !quietStart) {
          out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS).format(CLOCK) + "  " + line);
          last = line;
        }
        out.flush();
        if (p != null && p.isTerminal()) {
          return current;
        }
        if (System.nanoTime() - deadline > 0) {
          throw new UserError("timed out after " + timeout.toSeconds() + "s waiting for " + type.getSimpleName() + " "
              + namespace + "/" + name + " (still " + (p == null ? "without status" : p.name()) + ")");
        }
        Optional<T> update = nextUpdate(updates);
        current = update != null ? update.orElse(null) : get(type, name);
      }
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  private <T extends HasMetadata> T get(Class<T> type, String name) {
    return api(() -> client.resources(type).inNamespace(namespace).withName(name).get());
  }

  /** A watch feeding {@code updates} (empty = deleted), or null when the API refuses it (polling then suffices). */
  private <T extends HasMetadata> Watch watchFrom(Class<T> type, String name,
      String resourceVersion, BlockingQueue<Optional<T>> updates) {
    try {
      return client.resources(type).inNamespace(namespace).withName(name).watch(
          new ListOptionsBuilder().withResourceVersion(resourceVersion).build(),
          new Watcher<T>() {
            @Override
            public void eventReceived(Action action, T resource) {
              updates.add(action == Action.DELETED ? Optional.empty() : Optional.of(resource));
            }

            @Override
            public void onClose(WatcherException cause) {
              // the GET every POLL takes over
            }
          });
    } catch (KubernetesClientException refused) {
      return null;
    }
  }

  /** The next watched version within {@link #POLL}, or null when there was none (then the caller GETs). */
  private static <T> Optional<T> nextUpdate(BlockingQueue<Optional<T>> updates) {
    try {
      return updates.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    }
  }

  // ---- DC/OS records ----

  /** The DC/OS backup record: {@code id, timestamp, status, component_status, restores}, then what Kubernetes adds. */
  /** The MarathonCluster a backup was taken from. */
  private static String clusterOf(Backup backup) {
    return backup.getSpec() == null ? MarathonCluster.DEFAULT_NAME : backup.getSpec().clusterOrDefault();
  }

  static ObjectNode record(Backup backup) {
    BackupStatus status = backup.getStatus();
    ObjectNode record = NODES.objectNode();
    record.put("id", idOrName(backup));
    record.put("timestamp", timestamp(backup));
    record.put("status", phase(backup).name());
    record.set("component_status", componentStatus(status == null ? null : status.componentStatus(), phase(backup)));
    ArrayNode restores = record.putArray("restores");
    if (status != null && status.restores() != null) {
      for (RestoreRecord r : status.restores()) {
        ObjectNode item = restores.addObject();
        item.put("id", r.id());
        if (r.timestamp() != null) {
          item.put("timestamp", r.timestamp());
        }
        Phase restorePhase = r.status() == null ? Phase.STATUS_UNKNOWN : r.status();
        item.put("status", restorePhase.name());
        item.set("component_status", componentStatus(r.componentStatus(), restorePhase));
      }
    }
    record.put("label", backup.getSpec() == null ? null : backup.getSpec().label());
    // The Marathon it was taken from: what a restore of it targets unless told otherwise.
    record.put("cluster", clusterOf(backup));
    if (status != null) {
      putIfPresent(record, "marathon_version", status.marathonVersion());
      putIfPresent(record, "storage_version", status.storageVersion());
      putIfPresent(record, "message", status.message());
      if (status.znodes() != null) {
        record.put("znodes", status.znodes());
      }
      if (status.bytes() != null) {
        record.put("bytes", status.bytes());
      }
      if (status.marathonLeaderlessSeconds() != null) {
        record.put("marathon_leaderless_seconds", status.marathonLeaderlessSeconds());
      }
      if (status.preCopy() != null) {
        ObjectNode preCopy = record.putObject("pre_copy");
        if (status.preCopy().onlinePassSeconds() != null) {
          preCopy.put("online_pass_seconds", status.preCopy().onlinePassSeconds());
        }
        if (status.preCopy().rounds() != null) {
          preCopy.put("rounds", status.preCopy().rounds());
        }
        if (status.preCopy().znodesReread() != null) {
          preCopy.put("znodes_reread", status.preCopy().znodesReread());
        }
      }
    }
    record.put("name", backup.getMetadata().getName());
    record.put("namespace", backup.getMetadata().getNamespace());
    return record;
  }

  private static ObjectNode componentStatus(ComponentStatus componentStatus, Phase fallback) {
    Phase marathon = componentStatus != null && componentStatus.marathon() != null
        && componentStatus.marathon().status() != null ? componentStatus.marathon().status() : fallback;
    ObjectNode node = NODES.objectNode();
    node.putObject("marathon").put("status", marathon.name());
    return node;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  private static Phase phase(Backup backup) {
    return backup.getStatus() == null || backup.getStatus().phase() == null ? Phase.STATUS_UNKNOWN
        : backup.getStatus().phase();
  }

  /** The backup ID, or the object name while the operator has not assigned one. */
  static String idOrName(Backup backup) {
    return backup.getStatus() != null && backup.getStatus().id() != null ? backup.getStatus().id()
        : backup.getMetadata().getName();
  }

  private static String idOrLabel(Backup backup) {
    if (backup.getStatus() != null && backup.getStatus().id() != null) {
      return backup.getStatus().id();
    }
    return backup.getSpec() == null || backup.getSpec().label() == null ? "" : backup.getSpec().label();
  }

  private static String timestamp(Backup backup) {
    if (backup.getStatus() != null && backup.getStatus().timestamp() != null) {
      return backup.getStatus().timestamp();
    }
    return Objects.requireNonNullElse(backup.getMetadata().getCreationTimestamp(), "");
  }

  private void printTable(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String write(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- names, durations, errors ----

  /** A DNS-1123 name from a label ({@code My_Label.1} → {@code my-label-1-x7k2q}): unique by a random suffix. */
  static String objectName(String label) {
    String base = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    StringBuilder suffix = new StringBuilder();
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    for (int i = 0; i < 5; i++) {
      suffix.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return (base.isEmpty() ? "backup" : base) + "-" + suffix;
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

  /** kubectl-style durations: {@code 90s}, {@code 15m}, {@code 1h}, or plain seconds. */
  static Duration parseDuration(String text) {
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

  /** Runs an API call, turning what the user can act on into one line. */
  private <T> T api(Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw e;
      }
      throw translate(e);
    }
  }

  private RuntimeException translate(KubernetesClientException e) {
    if (e.getCode() == 404) {
      return new UserError("the server doesn't have the resource types backups/restores.backup.dcos.io: "
          + "is the marathon-backup-operator installed? (kubectl apply -k deploy/)");
    }
    if (e.getStatus() == null || e.getCode() <= 0) {
      // No HTTP answer: name the innermost cause (connection refused, unknown host, TLS…).
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
        if (cause instanceof java.net.ConnectException) {
          return new UserError("cannot reach the Kubernetes API server at " + server + ": connection refused");
        }
      }
      if (cause != e) {
        return new UserError("cannot reach the Kubernetes API server at " + server + ": "
            + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + oneLine(cause.getMessage())));
      }
    }
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    return new UserError(oneLine(message));
  }

  /** The one line printed after "error: ". */
  static String describe(Throwable e) {
    if (e instanceof UserError) {
      return e.getMessage();
    }
    return oneLine(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
  }

  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    }
  }
}
