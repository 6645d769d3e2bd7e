package io.dcos.backup.cli;

import picocli.CommandLine;

/** {@code --version}: the jar's Implementation-Version, "dev" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {"marathon-backup-operator " + (version == null ? "dev" : version)};
  }
}
