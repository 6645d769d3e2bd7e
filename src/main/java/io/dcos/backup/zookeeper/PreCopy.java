package io.dcos.backup.zookeeper;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot taken the way live migration copies memory: most of it while Marathon runs, the rest under the fence.
 *
 * <ol>
 *   <li>{@link #copyOnline}: walk the tree into a scratch copy while tracking every change from the moment a node is
 *       read. On ZooKeeper 3.6+ a persistent recursive watch, set before the walk, tells of every node created,
 *       deleted or written below the root. On 3.4 and 3.5 the walk reads each node's data and children with one-shot
 *       watches, so a node's data watch tells of a write or its deletion, and its child watch of a child created or
 *       deleted. Changed paths go to a dirty set; {@link #refreshOnline} re-reads them (re-arming their watches)
 *       while the set shrinks.</li>
 *   <li>{@link #finishUnderFence}, once no Marathon can write: make sure every change made before now has been told
 *       ({@link #settle}), re-read the dirty set, and repeat until a settle finds nothing new.</li>
 *   <li>{@link #writeTo}: the copy with the re-read nodes replaced, the deleted ones left out and the new ones added.</li>
 * </ol>
 *
 * <p>Why no change can be missed. Let F be the last {@link #settle} under the fence, the one that found the dirty set
 * empty; no Marathon writes after it, so F is the state the archive must hold. A settle returns only after every
 * watch event of every change committed before it has been handled: its {@code sync()} brings this session's server
 * up to date with the leader, and ZooKeeper delivers a watch event before the reply of any later request of the
 * session, on the same event thread that then runs the settle's own callback. Now take any node N of the tree at F.
 * <ul>
 *   <li>N was last read at t (by the walk or a re-read), and from t on a watch was in place on it: set by that very
 *       read, or the persistent one set before the walk. Had N's data, existence or children changed in (t, F], its
 *       watch would have fired before F, N would be dirty, and the settle at F would not have found the set empty.
 *       So N at F is N as read at t.</li>
 *   <li>N did not exist when its parent P was last read: then P's children changed after that read, P's watch fired,
 *       P was re-read, its children listed again, and N's subtree read (with watches) as new.</li>
 *   <li>N was deleted and re-created after it was read: the deletion fired its watch (a persistent watch fires for
 *       both), so N was re-read after the re-creation.</li>
 *   <li>A node of the copy that no longer exists at F was deleted after it was read: its watch fired, the re-read
 *       answered NONODE, and it (with what was below it) is left out.</li>
 *   <li>A dropped connection: the client re-registers one-shot watches when it reconnects and the server fires those
 *       whose node changed meanwhile, so nothing is lost within the session. A persistent watch's events while
 *       disconnected are not replayed: on 3.6+ a dropped connection, and on any server an expired session (watches
 *       gone), make the pre-copy {@link #lostReason() lost}, and the caller takes the full snapshot under the fence
 *       instead.</li>
 * </ul>
 * ACL changes fire no watch and are not seen (Marathon never changes ACLs), as for every snapshot here.
 *
 * <p>It uses a ZooKeeper session of its own, closed at the end: the one-shot watches of hundreds of thousands of
 * nodes that never change go with it instead of lingering in the operator's long-lived session.
 *
 * <p>Longer than this project's ~400-line mark on purpose: the argument above and the code it is about (watch
 * bookkeeping, the overlay of re-read nodes, the settle) stand or fall together; its reads go through
 * {@link AsyncPipeline}.
 */
public final class PreCopy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PreCopy.class);
  private static final int READS_IN_FLIGHT = 300;
  private static final int ROUNDS_UNDER_FENCE = 5;
  private static final long READ_TIMEOUT_SECONDS = 60;

  private final CuratorFramework client;
  private final String root;
  private final NodeSpool spool;
  private final boolean persistentWatch;
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final Watcher watcher = this::onEvent;
  /** Relative paths of the nodes in the spool, sorted so that a node's descendants form one range. */
  private final NavigableSet<String> copied = new TreeSet<>();
  /** Re-read nodes by relative path: a value, or empty for a node that no longer exists. */
  private final NavigableMap<String, Optional<ZNode>> overlay = new TreeMap<>();
  private volatile String lost;
  private long reread;
  private int rounds;
  private Duration onlinePass = Duration.ZERO;
  /** Set by {@link #endSessionInBackground()}: the session's close, under way or done. */
  private CompletableFuture<Void> sessionEnding;

  /**
   * What the pre-copy did: how long its online pass took (the walk and its online rounds, while Marathon ran), how
   * many rounds of re-reading ran in all, and how many nodes were read again.
   */
  public record Figures(Duration onlinePass, int rounds, long znodesReread) {}

  /** The copy's index, built as the walk goes when asked for (a restore diffs against it); else null. */
  private final TreeIndex copiedIndex;

  private PreCopy(CuratorFramework client, String root, NodeSpool spool, boolean persistentWatch, boolean indexed) {
    this.client = client;
    this.root = root;
    this.spool = spool;
    this.persistentWatch = persistentWatch;
    this.copiedIndex = indexed ? new TreeIndex() : null;
  }

  /**
   * The online pass: walks {@code rootPath} into {@code spoolFile} on a session of its own (the client is closed with
   * this object), tracking changes.
   */
  public static PreCopy copyOnline(CuratorFramework ownClient, String rootPath, Path spoolFile) throws Exception {
    return copyOnline(ownClient, rootPath, spoolFile, ServerFeatures.modern(ownClient), false);
  }

  /**
   * As {@link #copyOnline(CuratorFramework, String, Path)}, indexing the copy as it is read, so that
   * {@link #index()} costs no pass over the whole tree under the fence.
   */
  public static PreCopy copyOnlineIndexed(CuratorFramework ownClient, String rootPath, Path spoolFile)
      throws Exception {
    return copyOnline(ownClient, rootPath, spoolFile, ServerFeatures.modern(ownClient), true);
  }

  /** @param persistentWatch the 3.6+ way; false: one-shot watches set by the reads, as on 3.4 and 3.5 */
  static PreCopy copyOnline(CuratorFramework ownClient, String rootPath, Path spoolFile, boolean persistentWatch)
      throws Exception {
    return copyOnline(ownClient, rootPath, spoolFile, persistentWatch, false);
  }

  static PreCopy copyOnline(CuratorFramework ownClient, String rootPath, Path spoolFile, boolean persistentWatch,
      boolean indexed) throws Exception {
    ZkPaths.validateRoot(rootPath);
    PreCopy copy = new PreCopy(ownClient, rootPath, new NodeSpool(spoolFile), persistentWatch, indexed);
    try {
      long start = System.nanoTime();
      copy.walkOnline();
      copy.onlinePass = Duration.ofNanos(System.nanoTime() - start);
      return copy;
    } catch (Exception | Error e) {
      copy.close();
      throw e;
    }
  }

  private void walkOnline() throws Exception {
    client.getConnectionStateListenable().addListener((c, state) -> {
      if (state == ConnectionState.LOST) {
        lost = "the pre-copy's ZooKeeper session was lost: its watches are gone";
      } else if (persistentWatch && state == ConnectionState.SUSPENDED) {
        lost = "the pre-copy's ZooKeeper connection dropped: events of a persistent watch are not replayed";
      }
    });
    boolean exists = RetryLoop.callWithRetry(client.getZookeeperClient(), () -> {
      ZooKeeper zk = zk();
      ZkPaths.sync(zk, root);
      return zk.exists(root, false) != null;
    });
    if (!exists) {
      throw new StateUnavailableException("ZooKeeper node " + root
          + " does not exist: there is no Marathon state to back up (is Marathon using another --zk path?)");
    }
    TreeReader reader = new TreeReader(client, TreeReader.Limits.DEFAULT);
    if (persistentWatch) {
      RetryLoop.callWithRetry(client.getZookeeperClient(), () -> {
        zk().addWatch(root, watcher, AddWatchMode.PERSISTENT_RECURSIVE);
        return null;
      });
    } else {
      reader.watchEveryRead(watcher);
    }
    reader.walk(root, (path, data, acl, stat) -> {
      String rel = ZkPaths.relative(root, path);
      ZNode node = new ZNode(rel, data, acl);
      spool.accept(node);
      copied.add(rel);
      if (copiedIndex != null) {
        copiedIndex.add(node);
      }
    });
    LOG.info("pre-copy of {}: {} znodes read while Marathon runs ({} watch), {} changed since", root, copied.size(),
        persistentWatch ? "persistent recursive" : "one-shot", dirty.size());
  }

  private void onEvent(WatchedEvent event) {
    if (event.getType() == Watcher.Event.EventType.None) {
      Watcher.Event.KeeperState state = event.getState();
      if (state == Watcher.Event.KeeperState.Expired || state == Watcher.Event.KeeperState.Closed) {
        lost = "the pre-copy's ZooKeeper session " + state.name().toLowerCase() + ": its watches are gone";
      } else if (persistentWatch && state == Watcher.Event.KeeperState.Disconnected) {
        lost = "the pre-copy's ZooKeeper connection dropped: events of a persistent watch are not replayed";
      }
      return;
    }
    if (event.getPath() != null && ZkPaths.isAtOrBelow(event.getPath(), root)) {
      dirty.add(event.getPath());
    }
  }

  /**
   * Has {@code path} read again by the next round, for a change no watch tells of: an ACL set by the caller.
   */
  public void markChanged(String path) {
    if (ZkPaths.isAtOrBelow(path, root)) {
      dirty.add(path);
    }
  }

  public Figures figures() {
    return new Figures(onlinePass, rounds, reread);
  }

  /** Why the change tracking can no longer be trusted, or null. */
  public String lostReason() {
    return lost;
  }

  /** How many nodes changed after being read and are not yet re-read. */
  public int dirtyCount() {
    return dirty.size();
  }

  /** Whether the tree as now known (copy plus re-reads) has a node at {@code relativePath}. */
  public boolean containsNode(String relativePath) {
    Optional<ZNode> entry = overlay.get(relativePath);
    if (entry != null) {
      return entry.isPresent() && !deletedAtOrAbove(relativePath);
    }
    return copied.contains(relativePath) && !deletedAtOrAbove(relativePath);
  }

  public long copiedZnodes() {
    return copied.size();
  }

  /** Nodes re-read so far, online and under the fence. */
  public long rereadZnodes() {
    return reread;
  }

  /**
   * Online rounds: re-reads the dirty set while it shrinks, at most {@code maxRounds} times, so that less is left to
   * re-read under the fence.
   */
  public void refreshOnline(int maxRounds) throws Exception {
    long start = System.nanoTime();
    try {
      refreshWhileShrinking(maxRounds);
    } finally {
      onlinePass = onlinePass.plusNanos(System.nanoTime() - start);
    }
  }

  private void refreshWhileShrinking(int maxRounds) throws Exception {
    for (int round = 1; round <= maxRounds && lost == null; round++) {
      int before = dirty.size();
      if (before == 0) {
        return;
      }
      refresh();
      LOG.info("pre-copy round {}: {} re-read, {} changed again", round, before, dirty.size());
      if (dirty.size() >= before) {
        return; // not shrinking: Marathon writes as fast as we read
      }
    }
  }

  /**
   * Under the fence: settles and re-reads until a settle finds nothing new, so that the copy plus the re-read nodes
   * is the tree as it is now.
   *
   * @throws StateChangedException if the tree kept changing for {@value #ROUNDS_UNDER_FENCE} rounds although every
   *     Marathon is fenced
   * @throws ConsistencyUnprovableException if the change tracking was lost
   */
  public void finishUnderFence() throws Exception {
    for (int round = 1; ; round++) {
      settle();
      throwIfLost();
      if (dirty.isEmpty()) {
        return;
      }
      if (round > ROUNDS_UNDER_FENCE) {
        throw new StateChangedException(root + " kept changing while every Marathon was fenced (" + dirty.size()
            + " nodes still changing after " + ROUNDS_UNDER_FENCE + " rounds, e.g. " + dirty.iterator().next() + ")");
      }
      int count = dirty.size();
      refresh();
      LOG.info("pre-copy under the fence, round {}: {} re-read", round, count);
    }
  }

  private void throwIfLost() throws ConsistencyUnprovableException {
    if (lost != null) {
      throw new ConsistencyUnprovableException(lost);
    }
  }

  /**
   * Returns once every watch event of a change committed before this call has been handled: the sync brings this
   * session's server up to date with the leader, and the read's callback runs on the event thread after every event
   * delivered before its reply.
   */
  private void settle() throws Exception {
    // Only an answered read proves it: a connection lost first may have held events that come only on reconnection,
    // with the watches registered again. So a lost settle is settled again on the next connection.
    retryingOnConnectionLoss(root, () -> {
      ZooKeeper zk = zk();
      ZkPaths.sync(zk, root);
      CompletableFuture<Integer> done = new CompletableFuture<>();
      zk.exists(root, false, (rc, path, ctx, stat) -> done.complete(rc), null);
      int rc = done.get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (rc != Code.OK.intValue()) {
        throw KeeperException.create(Code.get(rc), root);
      }
      return null;
    });
  }

  private interface ZkWork<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work} again after a lost connection, once the client has connected again within the session (the
   * watches set so far are registered again with it; an expired session makes the pre-copy lost instead).
   */
  private <T> T retryingOnConnectionLoss(String path, ZkWork<T> work) throws Exception {
    try (ConnectionEpochs epochs = ConnectionEpochs.watch(client)) {
      ConnectionEpochs.Request request = new ConnectionEpochs.Request();
      while (true) {
        epochs.sent(request);
        try {
          return work.run();
        } catch (KeeperException.ConnectionLossException e) {
          if (!epochs.retry(request, path)) {
            throw e;
          }
          throwIfLost();
        }
      }
    }
  }

  /**
   * Re-reads the dirty paths (parents first) into the overlay; a changed children list is diffed against the copy,
   * and the subtrees of new children are read level by level, each level's reads pipelined (arming watches as the
   * online walk did). A node created with its parent is often dirty itself: it is read once, in its own right.
   */
  private void refresh() throws Exception {
    rounds++;
    List<String> paths = new ArrayList<>(dirty);
    dirty.removeAll(paths);
    while (!paths.isEmpty()) {
      paths.sort(null);
      List<String> level = paths;
      Set<String> inLevel = new HashSet<>(level);
      Map<String, NodeRead> reads = retryingOnConnectionLoss(root, () -> readNodes(level));
      List<String> created = new ArrayList<>();
      for (String path : level) {
        NodeRead read = reads.get(path);
        String rel = ZkPaths.relative(root, path);
        reread++;
        if (read == null || TreeReader.isEphemeral(read.stat())) {
          overlay.put(rel, Optional.empty());
          continue;
        }
        overlay.put(rel, Optional.of(new ZNode(rel, read.data(), read.acl())));
        Set<String> now = new HashSet<>(read.children());
        for (String child : childrenOf(rel)) {
          if (!now.remove(child)) {
            overlay.put(childPath(rel, child), Optional.empty());
          }
        }
        for (String name : now) {
          String child = ZkPaths.child(path, name);
          if (!inLevel.contains(child)) {
            created.add(child);
          }
        }
      }
      paths = created;
    }
  }

  /** The children the copy plus the overlay has for {@code rel} now. */
  private Set<String> childrenOf(String rel) {
    Set<String> names = new TreeSet<>();
    String prefix = rel + "/";
    for (String p : copied.subSet(prefix, true, rel + "0", false)) {
      String rest = p.substring(prefix.length());
      if (!rest.contains("/")) {
        names.add(rest);
      }
    }
    for (Map.Entry<String, Optional<ZNode>> e : overlay.subMap(prefix, true, rel + "0", false).entrySet()) {
      String rest = e.getKey().substring(prefix.length());
      if (!rest.contains("/")) {
        if (e.getValue().isPresent()) {
          names.add(rest);
        } else {
          names.remove(rest);
        }
      }
    }
    return names;
  }

  private static String childPath(String rel, String child) {
    return rel + "/" + child;
  }

  private record NodeRead(byte[] data, List<ACL> acl, List<String> children, Stat stat) {}

  /**
   * Pipelined reads of data, ACL and children (watched) of each path; a path missing from the result is gone. Every
   * read is answered before this returns or throws (a lost connection: the caller reads the level again).
   */
  private Map<String, NodeRead> readNodes(List<String> paths) throws Exception {
    Map<String, NodeRead> out = new HashMap<>();
    Watcher armed = persistentWatch ? null : watcher;
    int[] inFlight = {0};
    Exception[] failure = {null};
    try (AsyncPipeline pipe = AsyncPipeline.on(zk(), "re-reading what changed below " + root,
        TimeUnit.SECONDS.toNanos(READ_TIMEOUT_SECONDS))) {
      Iterator<String> next = paths.iterator();
      while (next.hasNext() || inFlight[0] > 0) {
        while (next.hasNext() && inFlight[0] < READS_IN_FLIGHT) {
          String path = next.next();
          NodeReading node = new NodeReading(path);
          inFlight[0]++;
          Runnable last = () -> {
            inFlight[0]--;
            node.result(out, failure);
          };
          pipe.getAcl(path, r -> node.answered(r.code(), () -> node.acl = r.acl(), last));
          pipe.getData(path, armed, r -> node.answered(r.code(), () -> {
            node.data = r.data();
            node.stat = r.stat();
          }, last));
          pipe.getChildren(path, armed, r -> node.answered(r.code(), () -> node.children = r.children(), last));
        }
        pipe.awaitBurst();
      }
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    return out;
  }

  /** One path's three reads, as their replies come. */
  private static final class NodeReading {
    private final String path;
    private List<ACL> acl;
    private byte[] data;
    private Stat stat;
    private List<String> children;
    private Code failed;
    private int answers;

    NodeReading(String path) {
      this.path = path;
    }

    /** One reply: {@code keep} takes its value when it is OK; {@code last} runs once all three are in. */
    void answered(Code code, Runnable keep, Runnable last) {
      if (code == Code.OK) {
        keep.run();
      } else if (failed == null || failed == Code.NONODE) {
        // Any failure but NONODE decides: the level is then read again, which is always safe.
        failed = code;
      }
      if (++answers == 3) {
        last.run();
      }
    }

    /** The node in {@code out}; left out when gone; the first other failure in {@code failure}. */
    void result(Map<String, NodeRead> out, Exception[] failure) {
      if (failed == null) {
        out.put(path, new NodeRead(data, acl, children, stat));
      } else if (failed != Code.NONODE && failure[0] == null) {
        failure[0] = KeeperException.create(failed, path);
      }
    }
  }

  /**
   * Streams the tree as of {@link #finishUnderFence()} to {@code sink}, root first and parents before children: the
   * copy, with re-read nodes in place of their copies and deleted subtrees left out, then the nodes created since.
   */
  public SnapshotSummary writeTo(ZNodeSink sink) throws IOException {
    return writeTo(sink, overlay);
  }

  /**
   * The tree as of {@link #finishUnderFence()}, to be streamed later, unchanged by whatever this pre-copy re-reads
   * after this call (a restore's read-back of what it wrote, say): a safety snapshot written beside the restore.
   */
  public TreeAtFencePoint atFencePoint() {
    NavigableMap<String, Optional<ZNode>> frozen = new TreeMap<>(overlay);
    return sink -> writeTo(sink, frozen);
  }

  /** A tree to stream: parents before children, as {@link #writeTo} does. */
  @FunctionalInterface
  public interface TreeAtFencePoint {
    SnapshotSummary writeTo(ZNodeSink sink) throws IOException;
  }

  private SnapshotSummary writeTo(ZNodeSink sink, NavigableMap<String, Optional<ZNode>> reread) throws IOException {
    long start = System.nanoTime();
    long znodes = 0;
    long bytes = 0;
    Iterator<ZNode> nodes = spool.readBack();
    while (nodes.hasNext()) {
      ZNode copy = nodes.next();
      if (deletedAtOrAbove(copy.relativePath(), reread)) {
        continue;
      }
      Optional<ZNode> fresher = reread.get(copy.relativePath());
      ZNode node = fresher != null ? fresher.orElseThrow() : copy;
      sink.accept(node);
      znodes++;
      bytes += node.data() == null ? 0 : node.data().length;
    }
    for (Map.Entry<String, Optional<ZNode>> e : reread.entrySet()) {
      if (e.getValue().isPresent() && !copied.contains(e.getKey()) && !deletedAtOrAbove(e.getKey(), reread)) {
        sink.accept(e.getValue().get());
        znodes++;
        bytes += e.getValue().get().data() == null ? 0 : e.getValue().get().data().length;
      }
    }
    return new SnapshotSummary(znodes, bytes, Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * The copies of {@code relativePaths} as the walk read them (not as re-read since), in one pass over the copy; null
   * when their data exceeds {@code maxDataBytes}. Read while Marathon runs, so that {@link #nodeAt} answers for them
   * under the fence without a pass over the whole copy.
   */
  public Map<String, ZNode> copiesOf(Set<String> relativePaths, long maxDataBytes) throws IOException {
    Map<String, ZNode> copies = new HashMap<>();
    long bytes = 0;
    Iterator<ZNode> nodes = spool.readBack();
    while (nodes.hasNext()) {
      ZNode copy = nodes.next();
      if (relativePaths.contains(copy.relativePath())) {
        bytes += copy.data() == null ? 0 : copy.data().length;
        if (bytes > maxDataBytes) {
          while (nodes.hasNext()) {
            nodes.next(); // to its end, which closes the stream
          }
          return null;
        }
        copies.put(copy.relativePath(), copy);
      }
    }
    return copies;
  }

  /**
   * The node at {@code relativePath} in the tree as of the last {@link #finishUnderFence()}, or empty where it has
   * none: a re-read node from memory, a node only copied from {@code copies} ({@link #copiesOf}).
   *
   * @throws IllegalStateException for a node only copied that {@code copies} lacks
   */
  public Optional<ZNode> nodeAt(String relativePath, Map<String, ZNode> copies) {
    if (deletedAtOrAbove(relativePath, overlay)) {
      return Optional.empty();
    }
    Optional<ZNode> reread = overlay.get(relativePath);
    if (reread != null) {
      return reread;
    }
    if (!copied.contains(relativePath)) {
      return Optional.empty();
    }
    ZNode copy = copies.get(relativePath);
    if (copy == null) {
      throw new IllegalStateException(TreeIndex.show(relativePath) + " was copied but not read back from the copy");
    }
    return Optional.of(copy);
  }

  /**
   * The index of the tree as of the last {@link #finishUnderFence()}: exactly the nodes {@link #writeTo} streams,
   * from the index built during the walk with the re-read nodes in place of their copies, deleted subtrees left out
   * and new nodes added; only the re-read nodes are hashed here.
   *
   * @throws IllegalStateException if the copy was not made with {@link #copyOnlineIndexed}
   */
  public TreeIndex index() {
    if (copiedIndex == null) {
      throw new IllegalStateException("this pre-copy was not indexed");
    }
    TreeIndex index = copiedIndex.copy();
    List<String> gone = new ArrayList<>();
    for (Map.Entry<String, Optional<ZNode>> e : overlay.entrySet()) {
      if (e.getValue().isEmpty()) {
        gone.add(e.getKey());
      } else if (!deletedAtOrAbove(e.getKey())) {
        index.add(e.getValue().get());
      }
    }
    // writeTo leaves out every node at or below one that no longer exists, whatever was re-read below it.
    for (String rel : gone) {
      index.remove(rel);
      index.removeDescendants(rel);
    }
    return index;
  }

  private boolean deletedAtOrAbove(String rel) {
    return deletedAtOrAbove(rel, overlay);
  }

  private static boolean deletedAtOrAbove(String rel, Map<String, Optional<ZNode>> reread) {
    for (String p = rel; ; p = p.substring(0, p.lastIndexOf('/'))) {
      Optional<ZNode> entry = reread.get(p);
      if (entry != null && entry.isEmpty()) {
        return true;
      }
      if (p.isEmpty()) {
        return false;
      }
    }
  }

  private ZooKeeper zk() throws Exception {
    return client.getZookeeperClient().getZooKeeper();
  }

  /**
   * Starts ending the copy's own session on a thread of its own, once nothing more is read through it: what was
   * copied and re-read stays readable ({@link #writeTo}, {@link #atFencePoint()}). Ending a session waits for ZooKeeper
   * to answer its close, about 0.1 s here, which writing the archive need not wait for. {@link #close()} waits for it.
   */
  public void endSessionInBackground() {
    if (sessionEnding == null) {
      sessionEnding = CompletableFuture.runAsync(client::close, runnable -> {
        Thread ending = new Thread(runnable, "pre-copy-session-end");
        ending.setDaemon(true);
        ending.start();
      });
    }
  }

  /** Closes the pre-copy's own session (its watches go with it) and deletes the scratch copy. */
  @Override
  public void close() throws IOException {
    try {
      if (sessionEnding == null) {
        client.close();
      } else {
        sessionEnding.join();
      }
    } catch (CompletionException e) {
      LOG.warn("closing the pre-copy's ZooKeeper session: {}", e.getCause().toString());
    } finally {
      spool.close();
    }
  }
}
