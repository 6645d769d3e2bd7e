/**
 * An embedded Kubernetes API for the sandbox and the tests: {@link io.dcos.backup.sandbox.kubeapi.EmbeddedKubeApi}.
 *
 * <p>Objects live in Fabric8's mock API server in CRUD mode ({@code KubernetesCrudDispatcher}), which also drives
 * watches; {@link io.dcos.backup.sandbox.kubeapi.CrudStore} gives created objects random (version 4) UIDs, as the
 * API server does, instead of the mock's per-JVM counter, and keeps tombstones so that a watch resumed from a
 * resourceVersion still hears of deletions since then (how `kubectl delete` waits). In front of it, a Vert.x HTTP server answers what the mock does not, the way a real API server would for
 * kubectl (1.27 to 1.33) and the operator:
 * <ul>
 *   <li>discovery ({@code /version}, {@code /api}, {@code /apis}, per group-version resource lists with short names,
 *       categories and {@code /status}); aggregated discovery is declined by answering plain JSON;</li>
 *   <li>OpenAPI v3 per CRD group-version (for {@code kubectl explain}; it declares server-side field validation so
 *       kubectl leaves validation to this server) and an empty OpenAPI v2 (kubectl skips client-side checks);</li>
 *   <li>{@code as=Table} responses from the CRDs' additionalPrinterColumns, also on watches;</li>
 *   <li>admission for CRD kinds: pruning, openAPIV3Schema validation, x-kubernetes-validations CEL rules
 *       (transition rules on update only), strict unknown-field errors, name validation, with the API server's
 *       messages;</li>
 *   <li>status subresource rules, merge / JSON / (approximated) strategic-merge and server-side-apply patches,
 *       deletion that waits for finalizers, field selectors on any field, one event store behind core v1 and
 *       events.k8s.io/v1, plain HTTP (chunked) watches for kubectl next to the mock's WebSocket watches.</li>
 * </ul>
 */
package io.dcos.backup.sandbox.kubeapi;
