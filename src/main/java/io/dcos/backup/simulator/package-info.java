/**
 * An in-process Marathon simulator for tests, the sandbox and benchmarks: real ZooKeeper sessions, Marathon's
 * election recipe (or Marathon's own election code in child JVMs, see {@link io.dcos.backup.simulator.Election}) and
 * storage paths, JSON instead of protobuf node data. See
 * {@link io.dcos.backup.simulator.MarathonSimulator} for what it reproduces.
 */
package io.dcos.backup.simulator;
