package io.dcos.backup.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Where archives are kept: the operator's backup directory (provider filesystem) or an S3-compatible bucket. Owned
 * by the cluster admin, in the operator's namespace; Backups and BackupSchedules name one, or get the default.
 */
@Group(Backup.GROUP)
@Version(Backup.VERSION)
@ShortNames("mbsl")
@AdditionalPrinterColumn(name = "Provider", jsonPath = ".spec.provider", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Bucket/Path", jsonPath = ".status.where", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Default", jsonPath = ".spec.default", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BackupStorageLocation
    extends io.fabric8.kubernetes.client.CustomResource<BackupStorageLocationSpec, BackupStorageLocationStatus>
    implements Namespaced {
  /** The location created from BACKUP_DIR when a namespace has none. */
  public static final String DEFAULT_NAME = "default";
}
