package io.dcos.backup.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

@Group(Backup.GROUP)
@Version(Backup.VERSION)
@ShortNames("mbk")
@AdditionalPrinterColumn(name = "ID", jsonPath = ".status.id", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Label", jsonPath = ".spec.label", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Znodes", jsonPath = ".status.znodes", type = AdditionalPrinterColumn.Type.INTEGER)
// Size in binary units (status.size, derived from status.bytes, which keeps the exact count for machines).
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.size", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Backup extends io.fabric8.kubernetes.client.CustomResource<BackupSpec, BackupStatus> implements Namespaced {
  public static final String GROUP = "backup.dcos.io";
  public static final String VERSION = "v1alpha1";
}
