package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to back up. Only a label, as in `dcos backup create --label`: where Marathon and ZooKeeper are is the
 * cluster admin's configuration of the operator, not something whoever may create a Backup can point elsewhere.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: create a new Backup instead")
// The pattern is the DC/OS rule (BackupLabels.PATTERN): 3–25 characters of [A-Za-z0-9_.-], the first two letters,
// digits or '_'. The API server reports a pattern failure as the bare regex, so a CEL rule says the same about the
// first two characters in words (a real API server runs CEL rules next to a failed pattern and reports both). It
// sits on the type, not the component: a record component's annotation reaches both field and accessor and would be
// emitted twice. Only startsWith, size and charAt: constant cost, whatever the label's length.
@ValidationRule(value = "!self.label.startsWith('.') && !self.label.startsWith('-') && (size(self.label) < 2 || "
    + "!(self.label.charAt(1) in ['.', '-']))",
    message = "label must start with two letters, digits or '_' (not '.' or '-')", fieldPath = ".label")
public record BackupSpec(
    @Required @Pattern("^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]{1,23}$") String label,
    /**
     * Fenced (DC/OS's way): Marathon is restarted so that no leader writes while the state is read. Online: read
     * while Marathon keeps running, and keep the snapshot only if it is proven consistent (nothing under the state
     * changed during the read); after a few attempts that saw changes, fall back to Fenced.
     */
    @Default("Fenced") Consistency consistency,
    /** The BackupStorageLocation (in the operator's namespace) the archive goes to; unset: the default one. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String storageLocation,
    /** The MarathonCluster (in the operator's namespace) to back up; unset: {@code default}. */
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String cluster) {

  public BackupSpec(String label) {
    this(label, null, null, null);
  }

  public BackupSpec(String label, Consistency consistency) {
    this(label, consistency, null, null);
  }

  public BackupSpec(String label, Consistency consistency, String storageLocation) {
    this(label, consistency, storageLocation, null);
  }

  /** The MarathonCluster this backup is of. */
  public String clusterOrDefault() {
    return MarathonCluster.nameOrDefault(cluster);
  }

  public enum Consistency { Fenced, Online }

  /** Objects created before the field existed have none: Fenced. */
  public Consistency effectiveConsistency() {
    return consistency == null ? Consistency.Fenced : consistency;
  }
}
