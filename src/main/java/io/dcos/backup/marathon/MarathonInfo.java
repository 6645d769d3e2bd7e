package io.dcos.backup.marathon;

/**
 * The parts of {@code GET /v2/info} the operator uses. {@code elected} is true only once the answering
 * (or proxied-to) Marathon leads and has loaded its state; {@code leader} and {@code frameworkId} may be null.
 */
public record MarathonInfo(String name, String version, boolean elected, String leader, String frameworkId) {}
