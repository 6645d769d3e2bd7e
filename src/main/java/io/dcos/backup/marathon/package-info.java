/**
 * Marathon's REST API ({@link io.dcos.backup.marathon.MarathonClient}) and the restart fence
 * ({@link io.dcos.backup.marathon.MarathonFence}) that guarantees no Marathon writes to {@code <zk>/state} while a
 * snapshot or restore runs. No Kubernetes types here: callers pass a {@code CuratorFramework} and paths.
 *
 * <p>While the fence is held the operator leads Marathon's election, so standbys proxy requests to an address
 * that is not a Marathon (its latch id): Marathon's API is unavailable until {@code release()} (inferred from
 * Marathon's LeaderProxyFilter; the simulator answers 500 there).
 */
package io.dcos.backup.marathon;
