package io.dcos.backup.zookeeper;

import java.time.Duration;

/** @param dataBytes sum of the data lengths of the snapshotted znodes (paths and ACLs not counted) */
public record SnapshotSummary(long znodes, long dataBytes, Duration elapsed) {}
