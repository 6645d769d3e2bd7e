package io.dcos.backup.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The operator's last look at the cluster (it never reads or writes {@code <zk>/state} for it). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MarathonClusterStatus(
    /** Both ZooKeeper and Marathon answered at the last check. */
    Boolean reachable,
    /** Why not (or what was checked): the same words as the Ready condition's message. */
    String message,
    /** The ZooKeeper server generation: 3.4, 3.5 or 3.6+. */
    String zookeeperServer,
    String marathonVersion,
    /** host:port of Marathon's elected leader, as Marathon reports it. */
    String leader,
    /** Nodes in Marathon's leader election latch ({@code <zk>/leader-curator}). */
    Integer electionParticipants,
    /** ID of the newest STATUS_READY Backup of this cluster, and when it completed. */
    String lastSuccessfulBackup,
    String lastSuccessfulTime,
    /** Ready (reason Reachable, Unreachable or InvalidSpec). */
    List<Condition> conditions,
    Long observedGeneration) {}
