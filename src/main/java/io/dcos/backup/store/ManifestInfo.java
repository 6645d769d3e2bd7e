package io.dcos.backup.store;

import java.time.Instant;
import java.util.List;

/** What the caller knows when committing (the store fills znodes/bytes/sha256/formatVersion). */
public record ManifestInfo(String id, String label, Instant created, List<String> sourceHosts, String zkPath,
                           String marathonVersion) {}
