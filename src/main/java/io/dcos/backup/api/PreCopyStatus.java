package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the pre-copy did: most of the state copied while Marathon still ran, then only what changed meanwhile read
 * again under the fence. Unset when the whole state was read under the fence (the status message says why).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PreCopyStatus(
    /** How long the copy took while Marathon ran: the walk and its online rounds of re-reading. */
    Double onlinePassSeconds,
    /** Rounds of re-reading what changed, while Marathon ran and under the fence. */
    Integer rounds,
    /** Nodes read again because they changed after they were copied. */
    Long znodesReread) {}
