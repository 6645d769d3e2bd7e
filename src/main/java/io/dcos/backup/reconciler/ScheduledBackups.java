package io.dcos.backup.reconciler;

import io.dcos.backup.control.Times;
import io.dcos.backup.api.Backup;
import io.dcos.backup.api.BackupSchedule;
import io.dcos.backup.api.BackupScheduleStatus.ActiveBackup;
import io.dcos.backup.api.BackupSpec;
import io.dcos.backup.api.Phase;
import io.dcos.backup.api.Restore;
import io.dcos.backup.schedule.RetentionPolicy.State;
import io.dcos.backup.schedule.ScheduleNames;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A BackupSchedule's Backups: how one is made for a fire time, and what a schedule reads back from them. */
final class ScheduledBackups {
  private ScheduledBackups() {}

  static Backup newBackup(BackupSchedule schedule, Instant fireTime) {
    var metadata = schedule.getMetadata();
    Backup backup = new Backup();
    backup.getMetadata().setName(ScheduleNames.backupName(metadata.getName(), fireTime));
    backup.getMetadata().setNamespace(metadata.getNamespace());
    // Only labels of our own: a schedule's labels (argocd.argoproj.io/instance, kustomize's) would make GitOps
    // tools prune the Backups as objects missing from Git.
    backup.getMetadata().setLabels(Map.of(BackupSchedule.SCHEDULE_LABEL, metadata.getName()));
    backup.getMetadata().setAnnotations(Map.of(BackupSchedule.FIRE_TIME_ANNOTATION, Times.format(fireTime)));
    backup.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(schedule.getApiVersion())
        .withKind(schedule.getKind())
        .withName(metadata.getName())
        .withUid(metadata.getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build()));
    backup.setSpec(new BackupSpec(ScheduleNames.backupLabel(schedule.getSpec().label(), fireTime),
        schedule.getSpec().consistency(), schedule.getSpec().storageLocation(), schedule.getSpec().cluster()));
    return backup;
  }

  static List<ActiveBackup> active(List<Backup> owned, Backup created) {
    List<Backup> running = new ArrayList<>(owned.stream().filter(b -> !isTerminal(b)).toList());
    if (created != null && running.stream().noneMatch(b -> b.getMetadata().getName()
        .equals(created.getMetadata().getName()))) {
      running.add(created);
    }
    List<ActiveBackup> active = running.stream()
        .sorted(Comparator.comparing((Backup b) -> b.getMetadata().getName()))
        .map(b -> new ActiveBackup(b.getMetadata().getName(), annotation(b)))
        .toList();
    return active.isEmpty() ? null : active;
  }

  static boolean ownedBy(Backup backup, BackupSchedule schedule) {
    var references = backup.getMetadata().getOwnerReferences();
    return references != null && references.stream().anyMatch(reference ->
        Objects.equals(reference.getUid(), schedule.getMetadata().getUid())
            && Objects.equals(reference.getKind(), schedule.getKind()));
  }

  /** The name of a Restore that has not finished and restores this backup. */
  static Optional<String> usedBy(Backup backup, List<Restore> restores) {
    return restores.stream()
        .filter(restore -> !RestoreReferences.isFinished(restore) && RestoreReferences.refersTo(restore, backup))
        .map(restore -> restore.getMetadata().getName())
        .sorted()
        .findFirst();
  }

  static State state(Backup backup) {
    Phase phase = backup.getStatus() == null ? null : backup.getStatus().phase();
    return phase == Phase.STATUS_READY ? State.READY : phase == Phase.STATUS_ERROR ? State.FAILED : State.RUNNING;
  }

  static boolean isTerminal(Backup backup) {
    return state(backup) != State.RUNNING;
  }

  /** The fire time a Backup was created for; its creation time if the annotation is missing or mangled. */
  static Instant fireTime(Backup backup, Instant fallback) {
    return Times.parse(annotation(backup))
        .or(() -> Times.parse(backup.getMetadata().getCreationTimestamp()))
        .orElse(fallback);
  }

  static String annotation(Backup backup) {
    var annotations = backup.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(BackupSchedule.FIRE_TIME_ANNOTATION);
  }


}
