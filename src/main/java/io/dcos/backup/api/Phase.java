package io.dcos.backup.api;

/** The DC/OS backup service's status values, kept verbatim so `dcos backup` users read them as before. */
public enum Phase {
  STATUS_UNKNOWN,
  STATUS_BACKING_UP,
  STATUS_RESTORING,
  STATUS_READY,
  STATUS_ERROR;

  public boolean isTerminal() {
    return this == STATUS_READY || this == STATUS_ERROR;
  }
}
