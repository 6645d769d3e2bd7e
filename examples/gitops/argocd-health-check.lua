-- Argo CD health check for backup.dcos.io Backup and Restore objects (Argo CD knows no health of a CRD by itself).
-- Install it as resource.customizations.health.backup.dcos.io_Backup (and ..._Restore) in the argocd-cm ConfigMap:
-- see argocd-cm-health.yaml. Healthy = condition Ready=True (STATUS_READY); Degraded = Failed=True (STATUS_ERROR);
-- otherwise Progressing with the operator's status.message (queued, fencing Marathon, writing...).
local hs = {}
if obj.status ~= nil then
  local current = obj.status.observedGeneration == nil or obj.metadata.generation == nil
      or obj.status.observedGeneration == obj.metadata.generation
  if current and obj.status.conditions ~= nil then
    for _, condition in ipairs(obj.status.conditions) do
      if condition.type == "Failed" and condition.status == "True" then
        hs.status = "Degraded"
        hs.message = condition.message
        return hs
      end
      if condition.type == "Ready" and condition.status == "True" then
        hs.status = "Healthy"
        hs.message = condition.message
        return hs
      end
    end
  end
  if obj.status.message ~= nil then
    hs.status = "Progressing"
    hs.message = obj.status.message
    return hs
  end
end
hs.status = "Progressing"
hs.message = "waiting for the marathon-backup-operator"
return hs
