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
// RE2 (the API server's regex engine) has no look-ahead, so the ".." prefix rule is a CEL rule. It sits on the
// type, not the component: a record component's annotation reaches both field and accessor and would be emitted twice.
@ValidationRule(value = "!self.label.startsWith('..')", message = "label must not start with '..'", fieldPath = ".label")
public record BackupSpec(
    @Required @Pattern("^[A-Za-z0-9_.-]{3,25}$") String label,
    /**
     * Fenced (DC/OS's way): Marathon is restarted so that no leader writes while the state is read. Online: read
     * while Marathon keeps running, and keep the snapshot only if it is proven consistent (nothing under the state
     * changed during the read); after a few attempts that saw changes, fall back to Fenced.
     */
    @Default("Fenced") Consistency consistency) {

  public BackupSpec(String label) {
    this(label, null);
  }

  public enum Consistency { Fenced, Online }

  /** Objects created before the field existed have none: Fenced. */
  public Consistency effectiveConsistency() {
    return consistency == null ? Consistency.Fenced : consistency;
  }
}
