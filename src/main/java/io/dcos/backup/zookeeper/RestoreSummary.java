package io.dcos.backup.zookeeper;

import java.time.Duration;

/** @param bytes sum of the data lengths written (paths and ACLs not counted) */
public record RestoreSummary(long znodesWritten, long znodesDeleted, long bytes, Duration elapsed) {}
