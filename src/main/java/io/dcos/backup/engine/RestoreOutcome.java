package io.dcos.backup.engine;

import java.time.Duration;

public record RestoreOutcome(String backupId, long znodes, String safetySnapshotId, Duration marathonLeaderless) {}
