package io.dcos.backup.control;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Writes a status computed from the cached object only if the object is still that version (optimistic locking on
 * resourceVersion): with several replicas, or a cache behind the API server, a status computed from a stale view is
 * refused with 409 Conflict instead of overwriting a newer one — so a status never goes backwards (a terminal phase
 * replaced by a running one). The refused reconcile fails and the framework retries it on a fresher cache: no update
 * is lost either. JOSDK's {@code UpdateControl.patchStatus} (a patch without resourceVersion, or server-side apply
 * with force) would apply the stale status blindly.
 */
public interface StatusWriter {

  /** {@code resource} carries the new status and the resourceVersion the status was computed from. */
  <P extends HasMetadata> void write(Context<P> context, P resource);

  StatusWriter OPTIMISTIC = new StatusWriter() {
    @Override
    public <P extends HasMetadata> void write(Context<P> context, P resource) {
      P updated = context.getClient().resource(resource).updateStatus();
      // Until the informer delivers it, reconciles see this version, not the one it replaced.
      context.eventSourceRetriever().getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(resource), updated, resource);
    }
  };
}
