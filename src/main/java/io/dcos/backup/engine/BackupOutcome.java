package io.dcos.backup.engine;

import io.dcos.backup.store.Manifest;
import java.nio.file.Path;
import java.time.Duration;

/** A verified archive and what taking it cost Marathon. */
public record BackupOutcome(Manifest manifest, Path location, Duration marathonLeaderless, int abdications) {}
