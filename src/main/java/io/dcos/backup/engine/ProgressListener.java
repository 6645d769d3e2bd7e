package io.dcos.backup.engine;

/** Receives one-line, user-facing descriptions of what an operation is doing now (shown in status.message). */
@FunctionalInterface
public interface ProgressListener {
  void progress(String message);

  ProgressListener NONE = message -> {};
}
