package io.dcos.backup.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Creates a Backup at each cron tick and deletes old ones by retention. "Next" is a string column: kubectl renders
 * future times in a date column as "&lt;invalid&gt;".
 */
@Group(Backup.GROUP)
@Version(Backup.VERSION)
@ShortNames("mbsched")
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Suspended", jsonPath = ".spec.suspend", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Last Backup", jsonPath = ".status.lastSuccessfulTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextScheduleTime", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BackupSchedule extends io.fabric8.kubernetes.client.CustomResource<BackupScheduleSpec, BackupScheduleStatus>
    implements Namespaced {
  /** On every Backup a schedule creates: {@code kubectl get backups -l backup.dcos.io/schedule=NAME}. */
  public static final String SCHEDULE_LABEL = "backup.dcos.io/schedule";
  /** On every Backup a schedule creates: the cron fire time it was created for (RFC 3339, UTC). */
  public static final String FIRE_TIME_ANNOTATION = "backup.dcos.io/scheduled-at";
}
