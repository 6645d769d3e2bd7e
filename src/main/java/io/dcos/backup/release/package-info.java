/**
 * Other releases than the ones this project links, run in JVMs of their own: ZooKeeper server releases, and Marathon's
 * election stack (Curator 4.0.1 on a ZooKeeper 3.4 client) as election peers. Their jars come from Maven Central at
 * run time ({@link io.dcos.backup.release.ReleaseJars}) and never join this JVM's class path.
 */
package io.dcos.backup.release;
