package io.dcos.backup.sandbox.kubeapi;

/** One admission error as the API server reports it: {@code field: message}, with the cause type kubectl shows. */
record FieldError(String field, String reason, String message) {
  String render() {
    return field + ": " + message;
  }
}
