/**
 * Snapshot, restore and verification of one ZooKeeper subtree (Marathon's {@code <zk>/state}); no Kubernetes here.
 *
 * <h2>Snapshot ({@link io.dcos.backup.zookeeper.StateSnapshotter})</h2>
 * One async {@code getACL} per node (the only call returning the ACL; its Stat gives data size, child count and
 * ephemeral owner), pipelined up to 500 in flight, plus read-only {@code multi()} batches of {@code getData} and
 * {@code getChildren} for up to 500 ops / ~512 KB of estimated reply each. Measured: about 1.003 requests per node
 * (a node-by-node walk needs ~3). Big nodes (&gt; 256 KB) and wide nodes (&gt; 2,000 children) are read with
 * their own plain calls; servers without multi-read (before 3.6) are detected and read with plain pipelined calls.
 * Ephemeral nodes are skipped; container and TTL nodes are kept (restored as persistent). ZooKeeper refuses to
 * create paths with characters U+D800..U+F8FF and U+FFF0..U+FFFF (so no emoji), so those never occur.
 *
 * <p>Consistency: a persistent recursive watch set before the walk tells whether anything below the root was
 * created, deleted or changed while it was read; {@code snapshot(root, sink, true)} then refuses the snapshot
 * ({@link io.dcos.backup.zookeeper.StateChangedException}). ACL changes fire no watch and are not detected.
 *
 * <p>Clients: use {@link io.dcos.backup.zookeeper.ZkConnector}. It raises the client's own reply limit, because a
 * getChildren reply of a node with ~10,000 long-named children, or the read of a znode at the very limit, exceeds
 * the default 1 MB; a default client loses its connection on such replies (which also suspends Curator recipes
 * such as a LeaderLatch on the same client).
 *
 * <h2>Restore ({@link io.dcos.backup.zookeeper.StateRestorer})</h2>
 * Deletes every descendant of the root (children first), sets the root's data (and ACL, see below), creates the
 * archived nodes parents first: all as {@code multi()} batches of up to 500 ops / ~512 KB, four in flight, each
 * beginning with the fence check, so once the fence is gone no later batch applies. Siblings of the root are never
 * touched. Limits of the fence: (1) multi() has no setACL op, so the root's ACL, when it differs, is set right after
 * a fence check rather than with one; (2) a znode too big to share a request with the check (within ~100 bytes of
 * jute.maxbuffer; Marathon stays far below) is written right after a fence check; (3) ZooKeeper's check compares
 * the data version only, so a fence node deleted and re-created at the same version passes.
 *
 * <h2>Verify ({@link io.dcos.backup.zookeeper.StateVerifier})</h2>
 * Same walk as the snapshot, compared against a fingerprint map of the expected stream (path, ACL, data or its
 * SHA-256): no archive is written and memory stays small.
 */
package io.dcos.backup.zookeeper;
